#include "runtime/cli/image.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb_image.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#include <stb_image_resize.h>

#include <memory>

namespace sprig::cli {

bool load_image(const std::string& path, const ImagePreprocess& options, std::vector<float>* out,
                std::string* error) {
  if (options.channels != 1 && options.channels != 3) {
    *error = "image input needs 1 or 3 channels, the model input has " + std::to_string(options.channels);
    return false;
  }
  int width = 0, height = 0, file_channels = 0;
  std::unique_ptr<unsigned char, void (*)(void*)> pixels(
      stbi_load(path.c_str(), &width, &height, &file_channels, options.channels), stbi_image_free);
  if (!pixels) {
    *error = "cannot read image '" + path + "': " + stbi_failure_reason();
    return false;
  }
  const int out_w = options.width, out_h = options.height, c = options.channels;
  std::vector<unsigned char> resized(static_cast<size_t>(out_w) * out_h * c);
  if (out_w == width && out_h == height) {
    resized.assign(pixels.get(), pixels.get() + resized.size());
  } else if (!stbir_resize_uint8(pixels.get(), width, height, 0, resized.data(), out_w, out_h, 0, c)) {
    *error = "cannot resize image '" + path + "'";
    return false;
  }
  if (options.mean.size() != 1 && options.mean.size() != static_cast<size_t>(c)) {
    *error = "--mean needs 1 or " + std::to_string(c) + " values";
    return false;
  }
  if (options.std.size() != 1 && options.std.size() != static_cast<size_t>(c)) {
    *error = "--std needs 1 or " + std::to_string(c) + " values";
    return false;
  }
  out->resize(resized.size());
  for (int ch = 0; ch < c; ++ch) {
    const float mean = options.mean.size() == 1 ? options.mean[0] : options.mean[ch];
    const float stdev = options.std.size() == 1 ? options.std[0] : options.std[ch];
    for (int i = 0; i < out_h * out_w; ++i)
      (*out)[static_cast<size_t>(ch) * out_h * out_w + i] =
          (resized[static_cast<size_t>(i) * c + ch] / 255.f - mean) / stdev;
  }
  return true;
}

}  // namespace sprig::cli
