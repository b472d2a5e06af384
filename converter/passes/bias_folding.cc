#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"

namespace sprig::convert {
namespace {

// The producer of `x` when it is a Conv2D / FullyConnected the bias can join, or -1.
int biased_producer(const Graph& graph, int x) {
  const int p = graph.producer(x);
  if (p < 0 || count_readers(graph, x) != 1) return -1;
  const Node& op = graph.nodes[static_cast<size_t>(p)];
  const fb::ActivationT* fused = nullptr;
  if (op.type == fb::OpType::Conv2D)
    fused = op.options.AsConv2DOptions()->fused.get();
  else if (op.type == fb::OpType::FullyConnected)
    fused = op.options.AsFullyConnectedOptions()->fused.get();
  else
    return -1;
  if (fused && fused->kind != fb::ActivationKind::None) return -1;
  if (op.inputs.size() > 2 && !is_constant(graph, op.inputs[2])) return -1;
  return p;
}

// True when constant c adds one value per output channel (the last axis) of a `shape` tensor.
bool is_channel_vector(const Value& c, const std::vector<int64_t>& shape) {
  if (c.shape.empty() || c.shape.size() > shape.size() || c.shape.back() != shape.back())
    return false;
  return c.numel() == shape.back();
}

}  // namespace

void fold_biases(Graph& graph) {
  for (size_t a = 0; a < graph.nodes.size(); ++a) {
    const Node& add = graph.nodes[a];
    if (add.dead || add.type != fb::OpType::Add) continue;
    const fb::ActivationT* fused = add.options.AsBinaryOptions()->fused.get();
    if (fused && fused->kind != fb::ActivationKind::None) continue;
    for (int k = 0; k < 2; ++k) {
      const int c = add.inputs[static_cast<size_t>(k)];
      const int x = add.inputs[static_cast<size_t>(1 - k)];
      const std::vector<int64_t>& shape = graph.values[static_cast<size_t>(x)].shape;
      if (!is_constant(graph, c) || shape.empty() ||
          shape != graph.values[static_cast<size_t>(add.outputs[0])].shape ||
          !is_channel_vector(graph.values[static_cast<size_t>(c)], shape))
        continue;
      const int p = biased_producer(graph, x);
      if (p < 0) continue;
      std::vector<float> bias = graph.values[static_cast<size_t>(c)].to_f32();
      Node& op = graph.nodes[static_cast<size_t>(p)];
      if (op.inputs.size() > 2) {
        const std::vector<float> existing =
            graph.values[static_cast<size_t>(op.inputs[2])].to_f32();
        for (size_t i = 0; i < bias.size(); ++i) bias[i] += existing[i];
      }
      // The folded bias takes the name of the constant it replaces when nothing else reads that
      // one.
      const int replaced = op.inputs.size() > 2 ? op.inputs[2] : c;
      const std::string replaced_name = graph.values[static_cast<size_t>(replaced)].name;
      const int folded = graph.add_constant(graph.unique_name(replaced_name + "_folded"),
                                            {static_cast<int64_t>(bias.size())}, bias);
      if (count_readers(graph, replaced) == 1)
        std::swap(graph.values[static_cast<size_t>(folded)].name,
                  graph.values[static_cast<size_t>(replaced)].name);
      Node& target = graph.nodes[static_cast<size_t>(p)];
      if (target.inputs.size() > 2)
        target.inputs[2] = folded;
      else
        target.inputs.push_back(folded);
      target.outputs[0] = graph.nodes[a].outputs[0];
      graph.nodes[a].dead = true;
      break;
    }
  }
  graph.compact();
}

}  // namespace sprig::convert
