// Bias correction for weight-only quantization (Nagel et al., "Data-Free Quantization Through
// Weight Equalization and Bias Correction", 2019, the empirical form): rounding a layer's weights
// shifts the mean of each output channel by E[(W - Wq) x]; adding that shift to the bias removes
// it. E[x] over the calibration inputs is measured once on the float model, as the mean input
// patch of every Conv2D and FullyConnected layer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sprig::convert {

// The mean input each weight tap sees, by weight tensor name, over every sample and output
// position (padding counts as 0):
//   Conv2D, weight [O, KH, KW, C/groups], input [N, H, W, C]: [KH, KW, C] (all C, every group);
//   FullyConnected, weight [N, K]: [K].
using MeanInputs = std::map<std::string, std::vector<double>>;

// Runs `float_model` (.sprig bytes) over `samples` (each the floats of its first input). Throws
// ConvertError when the model does not run or there are no samples.
MeanInputs measure_mean_inputs(const std::vector<uint8_t>& float_model,
                               const std::vector<std::vector<float>>& samples);

// The shift E[(W - Wq) x] of each output channel: `w` and `wq` [O, KH*KW, C/groups]
// (FullyConnected: [N, 1, K]), `mean` from measure_mean_inputs, `groups` the Conv2D's (1 for
// FullyConnected).
std::vector<float> output_mean_shift(const std::vector<float>& w, const std::vector<float>& wq,
                                     int64_t out_channels, int64_t channels_per_group, int groups,
                                     const std::vector<double>& mean);

}  // namespace sprig::convert
