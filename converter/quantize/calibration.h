// Calibration for int8 activations: the float model runs over the calibration inputs and each
// activation gets the real range its int8 form will cover.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sprig::convert {

enum class CalibrationMethod {
  kMinMax,      // the observed minimum and maximum
  kPercentile,  // the 0.01th and 99.99th percentiles (outliers clipped)
  kMse,         // the range, shrunk toward 0, whose int8 rounding plus clipping error is smallest
};

// "minmax", "percentile", "mse"; ConvertError (kInvalidArgument) for anything else.
CalibrationMethod calibration_method_from(const std::string& name);

struct ActivationRange {
  float min = 0.0f;
  float max = 0.0f;
};

// Runs `float_model` (.sprig bytes) over `samples` (each the floats of its first input) and
// returns the range of the first input and of every F32 op output, by tensor name. Throws
// ConvertError when the model does not run or there are no samples.
std::map<std::string, ActivationRange> calibrate_ranges(
    const std::vector<uint8_t>& float_model, const std::vector<std::vector<float>>& samples,
    CalibrationMethod method);

}  // namespace sprig::convert
