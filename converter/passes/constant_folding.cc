#include "converter/ir/error.h"
#include "converter/passes/evaluate.h"
#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {
namespace {

bool foldable(const Graph& graph, const Node& node) {
  if (node.dead || node.inputs.empty()) return false;
  for (int v : node.inputs)
    if (!is_constant(graph, v)) return false;
  for (int v : node.outputs)
    if (graph.is_graph_output(v)) return false;
  return true;
}

}  // namespace

void fold_constants(Graph& graph) {
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!foldable(graph, graph.nodes[n])) continue;
    std::vector<std::vector<uint8_t>> results = evaluate_constant_node(graph, static_cast<int>(n));
    Node& node = graph.nodes[n];
    if (results.size() != node.outputs.size())
      fail(Code::kInvalidModel, "folding node '" + node.name + "' gave " +
                                    std::to_string(results.size()) + " outputs for " +
                                    std::to_string(node.outputs.size()));
    for (size_t k = 0; k < results.size(); ++k) {
      Value& value = graph.values[static_cast<size_t>(node.outputs[k])];
      if (results[k].size() != tensor_bytes(value.dtype, value.numel()))
        fail(Code::kInvalidModel, "folding node '" + node.name + "' gave " +
                                      std::to_string(results[k].size()) + " bytes for '" +
                                      value.name + "'");
      value.is_constant = true;
      value.data = std::move(results[k]);
    }
    node.dead = true;
  }
  graph.compact();
}

}  // namespace sprig::convert
