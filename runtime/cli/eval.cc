// sprig eval: top-1 / top-5 accuracy of a classifier (the first output's last axis holds the class
// scores) on labeled data, and with a second model, the accuracy of each and how often their top-1
// classes agree. Data: IMAGES.npy (any number of samples of the first input, stacked) with
// LABELS.npy, an .npz with both (`images`/`x` and `labels`/`y`), or a directory with one subdirectory of images per class, classes numbered in the
// sorted order of their names (torchvision's ImageFolder).
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "runtime/cli/commands.h"
#include "runtime/cli/npy.h"
#include "runtime/cli/npz.h"

namespace sprig::cli {
namespace {

// One labeled sample: a slice of the .npy values, or an image file.
struct Sample {
  const float* values = nullptr;
  std::string image;
  int64_t label = 0;
};

struct Tally {
  int64_t top1 = 0, top5 = 0;
};

// The images and labels of --data IMAGES.npy --labels LABELS.npy, or of --data FILE.npz (arrays
// `images` or `x`, and `labels` or `y`).
bool read_arrays(const EvalOptions& options, NpyArray* images, NpyArray* labels,
                 std::string* error) {
  if (!is_npz_path(options.data)) {
    if (options.labels.empty()) {
      *error = "--data " + options.data + " needs --labels LABELS.npy";
      return false;
    }
    return read_npy(options.data, images, error) && read_npy(options.labels, labels, error);
  }
  std::vector<NamedNpyArray> arrays;
  if (!read_npz(options.data, &arrays, error)) return false;
  const NpyArray* x = find_npz_array(arrays, {"images", "x"});
  const NpyArray* y = find_npz_array(arrays, {"labels", "y"});
  if (x == nullptr || y == nullptr || x == y) {
    *error = "'" + options.data + "' holds " + npz_member_names(arrays) +
             "; it needs 'images' (or 'x') and 'labels' (or 'y')";
    return false;
  }
  *images = *x;
  *labels = *y;
  return true;
}

bool read_npy_samples(const EvalOptions& options, size_t per_sample, std::vector<float>* values,
                      std::vector<Sample>* samples, std::string* error) {
  NpyArray images, labels;
  std::vector<float> label_values;
  if (!read_arrays(options, &images, &labels, error) || !npy_to_f32(images, values, error) ||
      !npy_to_f32(labels, &label_values, error))
    return false;
  if (per_sample == 0 || values->size() % per_sample != 0) {
    *error = "'" + options.data + "' holds " + std::to_string(values->size()) +
             " values, not a whole number of inputs of " + std::to_string(per_sample);
    return false;
  }
  const size_t count = values->size() / per_sample;
  if (label_values.size() != count) {
    *error = "'" + options.labels + "' has " + std::to_string(label_values.size()) +
             " labels for " + std::to_string(count) + " samples";
    return false;
  }
  for (size_t i = 0; i < count; ++i)
    samples->push_back(
        Sample{values->data() + i * per_sample, "", static_cast<int64_t>(label_values[i])});
  return true;
}

bool list_image_samples(const std::string& dir, std::vector<Sample>* samples, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> classes;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory()) classes.push_back(entry.path().filename().string());
  if (ec || classes.empty()) {
    *error = "'" + dir + "' is not a directory with one subdirectory of images per class";
    return false;
  }
  std::sort(classes.begin(), classes.end());
  for (size_t c = 0; c < classes.size(); ++c) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / classes[c], ec))
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    for (const std::string& file : files)
      samples->push_back(Sample{nullptr, file, static_cast<int64_t>(c)});
  }
  return true;
}

// Runs `loaded` on one sample; returns its top-1 class and whether the label is in its top 5.
bool classify(Loaded& loaded, const Sample& sample, const InputOptions& images, int64_t* top1,
              bool* in_top5, std::string* error) {
  Session& session = *loaded.session;
  if (sample.values != nullptr) {
    const TensorView& input = session.input(0);
    if (input.dtype != DType::F32) {
      *error = "the model's input is " + std::string(dtype_name(input.dtype)) + ", not F32";
      return false;
    }
    std::memcpy(input.data, sample.values, input.bytes());
  } else if (!feed_input(session, 0, sample.image, images, error)) {
    return false;
  }
  const Status status = session.run();
  if (!status.ok()) {
    *error = std::string(code_name(status.code())) + ": " + status.message();
    return false;
  }
  const TensorView& out = session.output(0);
  if (out.dtype != DType::F32 || out.shape.rank < 1 || out.shape.numel() == 0) {
    *error = "the first output is not F32 class scores";
    return false;
  }
  const int64_t classes = out.shape[out.shape.rank - 1];
  const float* scores = out.f32();
  *top1 = std::max_element(scores, scores + classes) - scores;
  int64_t better = 0;
  if (sample.label >= 0 && sample.label < classes)
    for (int64_t c = 0; c < classes; ++c) better += scores[c] > scores[sample.label];
  *in_top5 = sample.label >= 0 && sample.label < classes && better < 5;
  return true;
}

}  // namespace

int eval_command(const EvalOptions& options) {
  std::vector<Loaded> models(options.second_model.empty() ? 1 : 2);
  if (!load(options.common, true, &models[0])) return 1;
  if (models.size() == 2) {
    CommonOptions second = options.common;
    second.model = options.second_model;
    if (!load(second, true, &models[1])) return 1;
    if (models[1].session->input(0).shape != models[0].session->input(0).shape)
      return fail(
          "the two models' inputs differ: " + shape_text(models[0].session->input(0).shape) +
          " and " + shape_text(models[1].session->input(0).shape));
  }
  std::vector<float> values;
  std::vector<Sample> samples;
  std::string error;
  const size_t per_sample = static_cast<size_t>(models[0].session->input(0).shape.numel());
  const bool ok = is_npy(options.data) || is_npz_path(options.data)
                      ? read_npy_samples(options, per_sample, &values, &samples, &error)
                      : list_image_samples(options.data, &samples, &error);
  if (!ok) return fail(error);
  if (options.limit > 0 && samples.size() > static_cast<size_t>(options.limit))
    samples.resize(static_cast<size_t>(options.limit));
  if (samples.empty()) return fail("no samples in '" + options.data + "'");

  std::vector<Tally> tallies(models.size());
  int64_t agree = 0;
  for (const Sample& sample : samples) {
    int64_t first_top1 = -1;
    for (size_t m = 0; m < models.size(); ++m) {
      int64_t top1 = 0;
      bool in_top5 = false;
      if (!classify(models[m], sample, options.images, &top1, &in_top5, &error))
        return fail((sample.image.empty() ? std::string("sample") : sample.image) + ": " + error);
      tallies[m].top1 += top1 == sample.label;
      tallies[m].top5 += in_top5;
      if (m == 0) first_top1 = top1;
      if (m == 1) agree += top1 == first_top1;
    }
  }
  const double n = static_cast<double>(samples.size());
  const std::string names[2] = {options.common.model, options.second_model};
  if (options.json) {
    std::printf("{\"samples\": %zu, \"models\": [", samples.size());
    for (size_t m = 0; m < models.size(); ++m)
      std::printf("%s{\"top1\": %.10g, \"top5\": %.10g}", m ? ", " : "", tallies[m].top1 / n,
                  tallies[m].top5 / n);
    std::printf("]");
    if (models.size() == 2) std::printf(", \"top1_agreement\": %.10g", agree / n);
    std::printf("}\n");
    return 0;
  }
  std::printf("%zu samples\n", samples.size());
  for (size_t m = 0; m < models.size(); ++m)
    std::printf("%s: top-1 %.2f%% (%" PRId64 "), top-5 %.2f%% (%" PRId64 ")\n", names[m].c_str(),
                100.0 * tallies[m].top1 / n, tallies[m].top1, 100.0 * tallies[m].top5 / n,
                tallies[m].top5);
  if (models.size() == 2)
    std::printf("top-1 agreement: %.2f%% (%" PRId64 " of %zu)\n", 100.0 * agree / n, agree,
                samples.size());
  return 0;
}

}  // namespace sprig::cli
