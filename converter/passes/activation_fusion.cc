#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"

namespace sprig::convert {
namespace {

// The fused-activation slot of a node that has one, or null.
std::unique_ptr<fb::ActivationT>* fused_slot(Node& node) {
  switch (node.type) {
    case fb::OpType::Conv2D:
      return &node.options.AsConv2DOptions()->fused;
    case fb::OpType::FullyConnected:
      return &node.options.AsFullyConnectedOptions()->fused;
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
      return &node.options.AsBinaryOptions()->fused;
    default:
      return nullptr;
  }
}

}  // namespace

void fuse_activations(Graph& graph) {
  for (size_t a = 0; a < graph.nodes.size(); ++a) {
    if (graph.nodes[a].dead || graph.nodes[a].type != fb::OpType::Activation) continue;
    const int x = graph.nodes[a].inputs[0];
    const int p = graph.producer(x);
    if (p < 0 || count_readers(graph, x) != 1) continue;
    std::unique_ptr<fb::ActivationT>* slot = fused_slot(graph.nodes[static_cast<size_t>(p)]);
    if (slot == nullptr || (*slot && (*slot)->kind != fb::ActivationKind::None)) continue;
    const fb::ActivationT* activation =
        graph.nodes[a].options.AsActivationOptions()->activation.get();
    if (activation == nullptr) continue;
    *slot = std::make_unique<fb::ActivationT>(*activation);
    graph.nodes[static_cast<size_t>(p)].outputs[0] = graph.nodes[a].outputs[0];
    graph.nodes[a].dead = true;
  }
  graph.compact();
}

}  // namespace sprig::convert
