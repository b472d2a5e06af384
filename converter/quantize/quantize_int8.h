// Full-integer int8 (runtime/core/int8_arith.h): Conv2D, FullyConnected, Add, GlobalAveragePool,
// MaxPool2D and Reshape run on int8 activations with per-channel int8 weights and int32 biases;
// everything else stays float, with Quantize / Dequantize inserted where the two meet.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "converter/ir/graph.h"
#include "converter/quantize/calibration.h"
#include "converter/quantize/quantize_weights.h"

namespace sprig::convert {

struct Int8QuantOptions {
  std::vector<std::string> keep_float;  // node or output value names left float
};

// The int8 scale and zero point covering `range` (extended to hold 0): scale = (max - min) / 255,
// zero point = round(-128 - min / scale) in [-128, 127].
void int8_params_for(const ActivationRange& range, float* scale, int32_t* zero_point);

// Rewrites `graph` into its int8 form using the calibrated `ranges` (by value name) of its
// activations; a node whose activations have no range stays float. The graph's inputs and
// outputs stay F32. Returns one row per node of the float graph that computes (Conv2D,
// FullyConnected, Add, pools, ...), saying how it runs. Throws ConvertError (kInvalidArgument)
// for a keep_float name that matches no node or value.
std::vector<LayerQuantReport> quantize_int8(Graph& graph,
                                            const std::map<std::string, ActivationRange>& ranges,
                                            const Int8QuantOptions& options);

}  // namespace sprig::convert
