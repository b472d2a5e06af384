#include <cmath>

#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"

namespace sprig::convert {
namespace {

bool has_fused_activation(const Node& node) {
  const fb::ActivationT* a = node.type == fb::OpType::Conv2D
                                 ? node.options.AsConv2DOptions()->fused.get()
                                 : node.options.AsFullyConnectedOptions()->fused.get();
  return a != nullptr && a->kind != fb::ActivationKind::None;
}

// The producer of BatchNorm `b`'s input when the BatchNorm can fold into it, or -1.
int foldable_producer(const Graph& graph, const Node& bn) {
  const int x = bn.inputs[0];
  const int p = graph.producer(x);
  if (p < 0 || count_readers(graph, x) != 1) return -1;
  const Node& op = graph.nodes[static_cast<size_t>(p)];
  if (op.type != fb::OpType::Conv2D && op.type != fb::OpType::FullyConnected) return -1;
  if (has_fused_activation(op) || op.outputs[0] != x) return -1;
  for (size_t i = 1; i < op.inputs.size(); ++i)
    if (!is_constant(graph, op.inputs[i])) return -1;
  for (size_t i = 1; i < bn.inputs.size(); ++i)
    if (!is_constant(graph, bn.inputs[i])) return -1;
  const int rank = static_cast<int>(graph.values[static_cast<size_t>(x)].shape.size());
  int axis = bn.options.AsBatchNormOptions()->axis;
  if (axis < 0) axis += rank;
  return axis == rank - 1 ? p : -1;  // the channel axis: NHWC's C, FullyConnected's N
}

// A constant of `op` the fold may overwrite: the one it reads, or a copy when others read it too.
Value& own_constant(Graph& graph, Node& op, size_t input) {
  const int v = op.inputs[input];
  if (count_readers(graph, v) > 1) {
    Value copy = graph.values[static_cast<size_t>(v)];
    copy.name = graph.unique_name(copy.name + "_folded");
    graph.values.push_back(std::move(copy));
    op.inputs[input] = static_cast<int>(graph.values.size()) - 1;
  }
  return graph.values[static_cast<size_t>(op.inputs[input])];
}

std::string bias_name(const std::string& weight_name) {
  const std::string suffix = ".weight";
  if (weight_name.size() > suffix.size() &&
      weight_name.compare(weight_name.size() - suffix.size(), suffix.size(), suffix) == 0)
    return weight_name.substr(0, weight_name.size() - suffix.size()) + ".bias";
  return weight_name + "_bias";
}

void fold(Graph& graph, int bn_index, int op_index) {
  Node& bn = graph.nodes[static_cast<size_t>(bn_index)];
  const float epsilon = bn.options.AsBatchNormOptions()->epsilon;
  const std::vector<float> gamma = graph.values[static_cast<size_t>(bn.inputs[1])].to_f32();
  const std::vector<float> beta = graph.values[static_cast<size_t>(bn.inputs[2])].to_f32();
  const std::vector<float> mean = graph.values[static_cast<size_t>(bn.inputs[3])].to_f32();
  const std::vector<float> var = graph.values[static_cast<size_t>(bn.inputs[4])].to_f32();
  const size_t channels = gamma.size();
  std::vector<double> scale(channels);
  for (size_t c = 0; c < channels; ++c)
    scale[c] = gamma[c] / std::sqrt(static_cast<double>(var[c]) + epsilon);

  Node& op = graph.nodes[static_cast<size_t>(op_index)];
  Value& weights = own_constant(graph, op, 1);
  std::vector<float> w = weights.to_f32();
  const size_t per_channel = w.size() / channels;
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(w[i] * scale[i / per_channel]);
  set_f32_data(weights, w);

  std::vector<float> bias(channels, 0.0f);
  if (op.inputs.size() > 2) {
    bias = graph.values[static_cast<size_t>(op.inputs[2])].to_f32();
  } else {
    const std::string name =
        graph.unique_name(bias_name(graph.values[static_cast<size_t>(op.inputs[1])].name));
    op.inputs.push_back(graph.add_constant(name, {static_cast<int64_t>(channels)}, bias));
  }
  for (size_t c = 0; c < channels; ++c)
    bias[c] = static_cast<float>((bias[c] - mean[c]) * scale[c] + beta[c]);
  set_f32_data(own_constant(graph, op, 2), bias);

  op.outputs[0] = bn.outputs[0];
  bn.dead = true;
}

}  // namespace

void fold_batch_norms(Graph& graph) {
  for (size_t b = 0; b < graph.nodes.size(); ++b) {
    const Node& bn = graph.nodes[b];
    if (bn.dead || bn.type != fb::OpType::BatchNorm) continue;
    const int p = foldable_producer(graph, bn);
    if (p >= 0) fold(graph, static_cast<int>(b), p);
  }
  graph.compact();
}

}  // namespace sprig::convert
