#include "converter/quantize/mixed_precision.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "converter/serialize/serialize.h"

namespace sprig::convert {
namespace {

constexpr double kCleanSnrDb = 100.0;  // stands for an exact (infinite SNR) input

bool is_weight_layer(const LayerQuantReport& row) {
  return row.scheme == "int8" && (row.op == "Conv2D" || row.op == "FullyConnected");
}

// The report row of every live node of `float_graph`, in order (quantize_int8 writes one row per
// live node); -1 where a node has none.
std::vector<int> row_of_node(const Graph& float_graph, size_t rows) {
  std::vector<int> row(float_graph.nodes.size(), -1);
  int next = 0;
  for (size_t n = 0; n < float_graph.nodes.size(); ++n)
    if (!float_graph.nodes[n].dead && static_cast<size_t>(next) < rows) row[n] = next++;
  return row;
}

// The int8 weight layer (by name) whose output SNR drops furthest below its input's; empty when
// there is none left.
std::string most_damaging_layer(const Graph& float_graph,
                                const std::vector<LayerQuantReport>& report) {
  const std::vector<int> row = row_of_node(float_graph, report.size());
  std::string worst;
  double worst_drop = -std::numeric_limits<double>::infinity();
  for (size_t n = 0; n < float_graph.nodes.size(); ++n) {
    if (row[n] < 0) continue;
    const LayerQuantReport& layer = report[static_cast<size_t>(row[n])];
    if (!is_weight_layer(layer) || std::isnan(layer.output_snr_db)) continue;
    double input_snr = kCleanSnrDb;
    const int producer = float_graph.producer(float_graph.nodes[n].inputs[0]);
    if (producer >= 0 && row[static_cast<size_t>(producer)] >= 0) {
      const double snr = report[static_cast<size_t>(row[static_cast<size_t>(producer)])].output_snr_db;
      if (!std::isnan(snr)) input_snr = std::min(snr, kCleanSnrDb);
    }
    const double drop = input_snr - std::min(layer.output_snr_db, kCleanSnrDb);
    if (drop > worst_drop) {
      worst_drop = drop;
      worst = layer.layer;
    }
  }
  return worst;
}

}  // namespace

double worst_output_snr(const Graph& graph, const std::vector<OutputAgreement>& agreement) {
  double worst = std::numeric_limits<double>::infinity();
  for (const OutputAgreement& a : agreement)
    for (int v : graph.outputs)
      if (graph.values[static_cast<size_t>(v)].name == a.tensor) worst = std::min(worst, a.snr_db);
  return worst;
}

MixedPrecisionResult quantize_int8_mixed(Graph& graph, const std::vector<uint8_t>& float_model,
                                         const std::map<std::string, ActivationRange>& ranges,
                                         const std::vector<std::vector<float>>& samples,
                                         const Int8QuantOptions& options, double target_snr_db) {
  const Graph float_graph = graph;
  Int8QuantOptions current = options;
  MixedPrecisionResult result;
  for (;;) {
    Graph candidate = float_graph;
    result.report = quantize_int8(candidate, ranges, current);
    result.agreement = compare_op_outputs(float_model, serialize_model(candidate, {}), samples);
    attach_output_agreement(result.agreement, &result.report);
    result.output_snr_db = worst_output_snr(float_graph, result.agreement);
    graph = std::move(candidate);
    if (result.output_snr_db >= target_snr_db) break;
    const std::string next = most_damaging_layer(float_graph, result.report);
    if (next.empty()) break;
    current.keep_float.push_back(next);
    result.kept_float.push_back(next);
  }
  for (LayerQuantReport& row : result.report)
    if ((row.op == "Conv2D" || row.op == "FullyConnected") &&
        std::find(result.kept_float.begin(), result.kept_float.end(), row.layer) !=
            result.kept_float.end())
      row.scheme = "float (--mixed-precision)";
  return result;
}

}  // namespace sprig::convert
