// Loading an image file (PNG, JPEG, BMP, ...) as a normalized NCHW float tensor.
#pragma once

#include <string>
#include <vector>

namespace sprig::cli {

struct ImagePreprocess {
  int channels = 3;                    // 1 (grayscale) or 3 (RGB), from the model input
  int height = 0, width = 0;           // resize target
  std::vector<float> mean{0.f};        // per channel (or one for all), on pixels scaled to 0..1
  std::vector<float> std{1.f};
};

// Decodes, converts to the channel count, resizes (bilinear) and writes
// (pixel / 255 - mean[c]) / std[c] in NCHW order (batch 1) to *out.
bool load_image(const std::string& path, const ImagePreprocess& options, std::vector<float>* out,
                std::string* error);

}  // namespace sprig::cli
