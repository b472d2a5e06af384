// The converter's weight-only quantization: Conv2D and FullyConnected weights and Gather tables
// (embeddings) become int8 per output channel (per table row) or int4 group-wise, with a per-layer
// report. Activations stay float.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quantize/bias_correction.h"
#include "converter/quantize/layer_errors.h"

namespace sprig::convert {

enum class WeightScheme { kNone, kInt8PerChannel, kInt4Grouped };

struct WeightQuantOptions {
  WeightScheme scheme = WeightScheme::kNone;
  int group_size = 32;                  // int4: 32, 64 or 128
  bool asymmetric = false;              // int4: zero point per group
  std::vector<std::string> keep_float;  // node or weight names left as they are
  // With calibration: each layer's bias takes the mean shift its rounded weights cause
  // (bias_correction.h). Null: no correction.
  const MeanInputs* mean_inputs = nullptr;
};

// One quantized (or deliberately kept) layer.
struct LayerQuantReport {
  std::string layer;   // node name
  std::string op;      // Conv2D, FullyConnected
  std::string scheme;  // "int8/channel", "int4/g32", "int4/g32 asym", or why it stayed float;
                       // ", bias corrected" when it was
  size_t bytes_before = 0, bytes_after = 0;  // weight bytes (int4: with its scales, zero points)
  double weight_snr_db = 0.0;  // weights against their dequantized values (inf: exact)
  // The layer's output against the float model's on the comparison inputs (layer_errors.h);
  // NaN until attach_output_agreement fills them.
  double output_cosine = std::numeric_limits<double>::quiet_NaN();
  double output_snr_db = std::numeric_limits<double>::quiet_NaN();
};

// Quantizes the weights (input 1) of every live Conv2D and FullyConnected node whose weight is a
// constant read only as a weight, F32 or F16. int4 needs the weight's last dimension (input
// channels per group for Conv2D, K for FullyConnected) to be a multiple of group_size; a layer
// where it is not gets int8 per channel instead, and the report says so. Throws ConvertError
// (kInvalidArgument) for a group size other than 32, 64 or 128, or a keep_float name that matches
// no layer. With options.mean_inputs, a layer read by one node whose bias is absent (one is
// added) or a constant F32 read by that node alone gets its bias corrected.
std::vector<LayerQuantReport> quantize_weights(Graph& graph, const WeightQuantOptions& options);

// Shared with the int8 quantizer (quantize_int8.h):
// The input holding an op's quantizable weight: 1 for Conv2D and FullyConnected, 0 (the table) for
// Gather, -1 for other ops.
int weight_input(fb::OpType type);
// True when constant `v` is read only as such a weight (weight_input) of its consumers.
bool read_only_as_weight(const Graph& graph, int v);
// Replaces `value` (weights [O, ...] with values `w`) by int8, one symmetric scale per output
// channel (axis 0); returns the dequantized weights.
std::vector<float> to_int8(Value& value, const std::vector<float>& w);
// Bytes a weight takes in the file, its scales and zero points included.
size_t stored_bytes(const Value& value);

// Fills each layer's output columns from the comparison of its op's output (matched by op name
// and type, in order).
void attach_output_agreement(const std::vector<OutputAgreement>& agreement,
                             std::vector<LayerQuantReport>* report);

// The report as an aligned text table, and as JSON; `outputs` are the rows of `agreement` for the
// model's outputs, printed after the layers (may be empty).
std::string format_quant_report(const std::vector<LayerQuantReport>& report,
                                const std::vector<OutputAgreement>& outputs);
std::string quant_report_json(const std::vector<LayerQuantReport>& report,
                              const std::vector<OutputAgreement>& outputs);

}  // namespace sprig::convert
