#include "converter/convert.h"
#include "converter/passes/passes.h"

namespace sprig::convert {

void optimize_graph(Graph& graph, const ConvertOptions& options) {
  fold_constants(graph);
  sink_transposes(graph);
  fold_batch_norms(graph);
  fold_biases(graph);
  fuse_gated_activations(graph);
  fuse_activations(graph);
  convert_weights(graph, options.weight_dtype);
  remove_dead_code(graph);
}

}  // namespace sprig::convert
