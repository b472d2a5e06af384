#include "converter/quantize/image_samples.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "converter/ir/error.h"
#include "runtime/cli/image.h"

namespace sprig::convert {
namespace {

bool is_image_name(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tga", ".ppm", ".pgm"})
    if (ext == known) return true;
  return false;
}

}  // namespace

std::vector<std::vector<float>> load_image_samples(const std::string& dir,
                                                   const std::vector<int64_t>& input_shape,
                                                   const std::vector<float>& mean,
                                                   const std::vector<float>& std) {
  if (input_shape.size() != 4 || input_shape[0] != 1 || (input_shape[1] != 1 && input_shape[1] != 3))
    fail(Code::kInvalidArgument,
         "calibration images '" + dir + "': the model's input is not one image [1, C, H, W] with "
         "C 1 or 3; pass --calibration INPUTS.npy instead");
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && is_image_name(it->path())) files.push_back(it->path());
  if (ec) fail(Code::kIo, "calibration images '" + dir + "': " + ec.message());
  if (files.empty())
    fail(Code::kInvalidArgument, "calibration images '" + dir + "': no image files found");
  std::sort(files.begin(), files.end());
  cli::ImagePreprocess options;
  options.channels = static_cast<int>(input_shape[1]);
  options.height = static_cast<int>(input_shape[2]);
  options.width = static_cast<int>(input_shape[3]);
  options.mean = mean;
  options.std = std;
  std::vector<std::vector<float>> samples;
  for (const std::filesystem::path& file : files) {
    std::vector<float> pixels;
    std::string error;
    if (!cli::load_image(file.string(), options, &pixels, &error))
      fail(Code::kInvalidArgument, "calibration image: " + error);
    samples.push_back(std::move(pixels));
  }
  return samples;
}

}  // namespace sprig::convert
