// Calibration inputs from a directory of images (PNG, JPEG, BMP, ...), preprocessed as `sprig run`
// preprocesses an image input: decoded, converted to the input's channel count, resized to its
// height and width, scaled to 0..1, then (pixel - mean[c]) / std[c], NCHW.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprig::convert {

// Every image file under `dir` (recursively, in sorted path order) as one sample for an input of
// `input_shape` [1, C, H, W] with C 1 or 3. Throws ConvertError (kInvalidArgument) naming the file
// that does not decode, or when the shape is not such an image or the directory holds no image.
std::vector<std::vector<float>> load_image_samples(const std::string& dir,
                                                   const std::vector<int64_t>& input_shape,
                                                   const std::vector<float>& mean,
                                                   const std::vector<float>& std);

}  // namespace sprig::convert
