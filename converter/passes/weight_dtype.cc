#include <map>

#include "converter/ir/error.h"
#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"

namespace sprig::convert {
namespace {

bool is_weight_input(const Node& node, size_t index) {
  switch (node.type) {
    case fb::OpType::Conv2D:
    case fb::OpType::FullyConnected:
      return index == 1 || index == 2;
    case fb::OpType::MatMul:
      return index == 1;
    case fb::OpType::BatchNorm:
      return index >= 1 && index <= 4;
    case fb::OpType::Gather:
      return index == 0;  // an embedding table
    default:
      return false;
  }
}

// True when every reader of v reads it as a weight (so it can change type in place).
bool only_read_as_weight(const Graph& graph, int v) {
  if (graph.is_graph_output(v)) return false;
  for (int n : graph.consumers(v)) {
    const Node& node = graph.nodes[static_cast<size_t>(n)];
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (node.inputs[i] == v && !is_weight_input(node, i)) return false;
  }
  return true;
}

}  // namespace

void convert_weights(Graph& graph, fb::DType dtype) {
  if (dtype == fb::DType::F32) return;
  if (dtype != fb::DType::F16 && dtype != fb::DType::BF16)
    fail(Code::kUnsupported,
         std::string("weight dtype ") + fb::EnumNameDType(dtype) + " is not supported here");
  const std::string suffix = dtype == fb::DType::F16 ? "_f16" : "_bf16";
  std::map<int, int> converted;  // F32 constant -> its converted twin
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (graph.nodes[n].dead) continue;
    for (size_t i = 0; i < graph.nodes[n].inputs.size(); ++i) {
      const int v = graph.nodes[n].inputs[i];
      const Value& value = graph.values[static_cast<size_t>(v)];
      if (!is_weight_input(graph.nodes[n], i) || !value.is_constant ||
          value.dtype != fb::DType::F32)
        continue;
      auto it = converted.find(v);
      if (it == converted.end()) {
        const std::vector<float> data = value.to_f32();
        int target = v;
        if (!only_read_as_weight(graph, v)) {
          Value copy = value;
          copy.name = graph.unique_name(value.name + suffix);
          graph.values.push_back(std::move(copy));
          target = static_cast<int>(graph.values.size()) - 1;
        }
        Value& out = graph.values[static_cast<size_t>(target)];
        out.dtype = dtype;
        set_f32_data(out, data);
        it = converted.emplace(v, target).first;
      }
      graph.nodes[n].inputs[i] = it->second;
    }
  }
  graph.compact();
}

}  // namespace sprig::convert
