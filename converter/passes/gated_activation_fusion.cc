#include <cmath>

#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"

namespace sprig::convert {
namespace {

// The gate's activation when node `g` is Sigmoid(x) or HardSigmoid(x) with PyTorch's hardswish
// constants, so that x * gate(x) is Silu(x) or HardSwish(x); None otherwise.
fb::ActivationKind gated_kind(const Graph& graph, int g, int x) {
  if (g < 0) return fb::ActivationKind::None;
  const Node& gate = graph.nodes[static_cast<size_t>(g)];
  if (gate.type != fb::OpType::Activation || gate.inputs[0] != x) return fb::ActivationKind::None;
  const fb::ActivationT* a = gate.options.AsActivationOptions()->activation.get();
  if (a == nullptr) return fb::ActivationKind::None;
  if (a->kind == fb::ActivationKind::Sigmoid) return fb::ActivationKind::Silu;
  if (a->kind == fb::ActivationKind::HardSigmoid && std::fabs(a->alpha - 1.0f / 6.0f) < 1e-6f &&
      a->beta == 0.5f)
    return fb::ActivationKind::HardSwish;
  return fb::ActivationKind::None;
}

}  // namespace

void fuse_gated_activations(Graph& graph) {
  for (size_t m = 0; m < graph.nodes.size(); ++m) {
    Node& mul = graph.nodes[m];
    if (mul.dead || mul.type != fb::OpType::Mul || mul.inputs.size() != 2) continue;
    const fb::BinaryOptionsT* binary = mul.options.AsBinaryOptions();
    if (binary && binary->fused && binary->fused->kind != fb::ActivationKind::None) continue;
    for (int k = 0; k < 2; ++k) {
      const int gate_value = mul.inputs[static_cast<size_t>(k)];
      const int x = mul.inputs[static_cast<size_t>(1 - k)];
      const int g = graph.producer(gate_value);
      const fb::ActivationKind kind = gated_kind(graph, g, x);
      if (kind == fb::ActivationKind::None) continue;
      if (graph.values[static_cast<size_t>(x)].shape !=
          graph.values[static_cast<size_t>(mul.outputs[0])].shape)
        continue;
      fb::ActivationOptionsT options;
      options.activation = std::make_unique<fb::ActivationT>();
      options.activation->kind = kind;
      mul.type = fb::OpType::Activation;
      mul.inputs = {x};
      mul.options.Set(std::move(options));
      if (count_readers(graph, gate_value) == 0) graph.nodes[static_cast<size_t>(g)].dead = true;
      break;
    }
  }
  graph.compact();
}

}  // namespace sprig::convert
