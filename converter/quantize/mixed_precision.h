// --mixed-precision: full-integer int8 that keeps float the fewest layers needed for the model's
// outputs to reach a target SNR against the float model on the calibration inputs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quantize/calibration.h"
#include "converter/quantize/layer_errors.h"
#include "converter/quantize/quantize_int8.h"

namespace sprig::convert {

struct MixedPrecisionResult {
  std::vector<LayerQuantReport> report;      // of the chosen graph, output columns filled
  std::vector<OutputAgreement> agreement;    // compare_op_outputs of the chosen graph
  std::vector<std::string> kept_float;       // layers the search kept float, in order
  double output_snr_db = 0;                  // the worst model output's
};

// Greedy: quantizes everything int8 (but options.keep_float), then, while the worst model output's
// SNR on `samples` is below target_snr_db, keeps float one more layer: the int8 Conv2D or
// FullyConnected whose output SNR falls furthest below its input's. Each step re-quantizes and
// re-runs both models. Replaces `graph` by the last graph tried (the target may be out of reach
// even with every such layer float; output_snr_db says what was reached).
MixedPrecisionResult quantize_int8_mixed(Graph& graph, const std::vector<uint8_t>& float_model,
                                         const std::map<std::string, ActivationRange>& ranges,
                                         const std::vector<std::vector<float>>& samples,
                                         const Int8QuantOptions& options, double target_snr_db);

// The worst SNR among the agreement rows of the graph's outputs (+inf when none).
double worst_output_snr(const Graph& graph, const std::vector<OutputAgreement>& agreement);

}  // namespace sprig::convert
