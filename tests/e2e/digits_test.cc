// The bundled digits CNN: every test image must get PyTorch's class, at opsets 11, 13 and 17; and
// with quantization, test-set accuracy within the quantization issue's bounds of the float
// model's (int8 weights per channel: 0.2 points, int4 group-wise: 1.5 points, full-integer int8:
// 0.5 points).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "converter/convert.h"
#include "converter/quantize/calibration.h"
#include "converter/quantize/layer_errors.h"
#include "converter/quantize/quantize_int8.h"
#include "converter/quantize/quantize_weights.h"
#include "runtime/capi/backend_registry.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

int argmax(const float* values, int count) {
  return static_cast<int>(std::max_element(values, values + count) - values);
}

void expect_same_classes(const std::string& onnx_path) {
  const std::string dir = source_dir() + "/models/digits/";
  std::vector<int64_t> image_shape;
  const std::vector<float> images = read_npy_f32(dir + "digits_test_images.npy", &image_shape);
  const std::vector<float> logits = read_npy_f32(dir + "digits_test_logits.npy");
  const std::vector<float> labels = read_npy_f32(dir + "digits_test_labels.npy");
  ASSERT_EQ(image_shape.size(), 4u);
  const size_t count = static_cast<size_t>(image_shape[0]);
  const size_t pixels = images.size() / count;

  LoadedModel loaded = load_bytes(convert_onnx(onnx_path));
  ASSERT_TRUE(loaded.model);
  std::unique_ptr<Session> session = make_session(*loaded.model);
  ASSERT_TRUE(session);
  ASSERT_EQ(session->input(0).shape.numel(), static_cast<int64_t>(pixels));
  size_t same = 0, correct = 0;
  double worst = 0;
  for (size_t i = 0; i < count; ++i) {
    std::copy(images.begin() + i * pixels, images.begin() + (i + 1) * pixels, session->input(0).f32());
    ASSERT_TRUE(session->run().ok());
    const float* ours = session->output(0).f32();
    const float* theirs = logits.data() + i * 10;
    same += argmax(ours, 10) == argmax(theirs, 10);
    correct += argmax(ours, 10) == static_cast<int>(labels[i]);
    worst = std::max(worst, compare(ours, theirs, 10).max_abs);
  }
  std::printf("[ figures  ] %s: %zu/%zu same class as PyTorch, accuracy %zu/%zu, max |logit err| %.3g\n",
              onnx_path.c_str(), same, count, correct, count, worst);
  EXPECT_EQ(same, count);
}

TEST(DigitsTest, BundledModelMatchesPyTorchOnEveryTestImage) {
  expect_same_classes(source_dir() + "/models/digits/digits.onnx");
}

TEST(DigitsTest, Opset11) { expect_same_classes(fixtures_dir() + "/digits/digits_opset11.onnx"); }
TEST(DigitsTest, Opset13) { expect_same_classes(fixtures_dir() + "/digits/digits_opset13.onnx"); }
TEST(DigitsTest, Opset17) { expect_same_classes(fixtures_dir() + "/digits/digits_opset17.onnx"); }

// Test-set accuracy (percent) of a converted digits model on `backend` (with the reference
// backend for what it lacks); the logits of every image go to *logits. -1 when it does not run.
double accuracy(const std::vector<uint8_t>& bytes, const std::string& backend,
                std::vector<float>* logits = nullptr) {
  const std::string dir = source_dir() + "/models/digits/";
  std::vector<int64_t> image_shape;
  const std::vector<float> images = read_npy_f32(dir + "digits_test_images.npy", &image_shape);
  const std::vector<float> labels = read_npy_f32(dir + "digits_test_labels.npy");
  const size_t count = static_cast<size_t>(image_shape[0]);
  const size_t pixels = images.size() / count;
  LoadedModel loaded = load_bytes(bytes);
  if (!loaded.model) return -1.0;
  std::unique_ptr<Session> session = make_session(*loaded.model, {backend, "reference"});
  if (!session) return -1.0;
  size_t correct = 0;
  for (size_t i = 0; i < count; ++i) {
    std::copy(images.begin() + i * pixels, images.begin() + (i + 1) * pixels,
              session->input(0).f32());
    if (!session->run().ok()) return -1.0;
    const float* out = session->output(0).f32();
    correct += argmax(out, 10) == static_cast<int>(labels[i]);
    if (logits) logits->insert(logits->end(), out, out + 10);
  }
  return 100.0 * static_cast<double>(correct) / static_cast<double>(count);
}

convert::Graph float_graph() {
  convert::ConvertOptions options;
  convert::Graph graph = convert::import_onnx(source_dir() + "/models/digits/digits.onnx", options);
  convert::optimize_graph(graph, options);
  return graph;
}

// Test-set accuracy (percent) of the digits model converted with `scheme`, on the CPU backend.
double quantized_accuracy(convert::WeightScheme scheme, int group_size, bool asymmetric) {
  convert::Graph graph = float_graph();
  convert::WeightQuantOptions quant;
  quant.scheme = scheme;
  quant.group_size = group_size;
  quant.asymmetric = asymmetric;
  const auto report = convert::quantize_weights(graph, quant);
  if (!report.empty()) std::printf("%s", convert::format_quant_report(report, {}).c_str());
  return accuracy(serialize(graph), "cpu");
}

TEST(DigitsTest, WeightOnlyQuantizationKeepsAccuracy) {
  const double f32 = quantized_accuracy(convert::WeightScheme::kNone, 32, false);
  const double int8 = quantized_accuracy(convert::WeightScheme::kInt8PerChannel, 32, false);
  const double int4 = quantized_accuracy(convert::WeightScheme::kInt4Grouped, 32, false);
  const double int4_asym = quantized_accuracy(convert::WeightScheme::kInt4Grouped, 32, true);
  std::printf("[ figures  ] digits accuracy: f32 %.2f%%, int8-weights %.2f%%, int4 g32 %.2f%%, "
              "int4 g32 asymmetric %.2f%%\n",
              f32, int8, int4, int4_asym);
  ASSERT_GT(f32, 90.0);
  EXPECT_GE(int8, f32 - 0.2);
  EXPECT_GE(int4, f32 - 1.5);
  EXPECT_GE(int4_asym, f32 - 1.5);
}

// Full-integer int8, calibrated on 64 training images (models/digits/make_calibration.py): test
// accuracy within 0.5 points of the float model's on every CPU path, and the same logits, bit for
// bit, on each (the int8 rounding rules are shared).
TEST(DigitsTest, FullIntegerInt8KeepsAccuracyOnEveryBackend) {
  convert::Graph graph = float_graph();
  const std::vector<uint8_t> float_bytes = serialize(graph);
  const auto samples = convert::load_samples(
      source_dir() + "/models/digits/digits_calibration.npy", "input", 64, 0);
  ASSERT_EQ(samples.size(), 64u);
  const auto ranges =
      convert::calibrate_ranges(float_bytes, samples, convert::CalibrationMethod::kMinMax);
  const auto report = convert::quantize_int8(graph, ranges, {});
  std::printf("%s", convert::format_quant_report(report, {}).c_str());
  const std::vector<uint8_t> int8_bytes = serialize(graph);
  const double f32 = accuracy(float_bytes, "cpu");
  std::vector<float> reference_logits;
  const double reference = accuracy(int8_bytes, "reference", &reference_logits);
  std::printf("[ figures  ] digits accuracy: f32 %.2f%%, int8 reference %.2f%%", f32, reference);
  ASSERT_GT(f32, 90.0);
  EXPECT_GE(reference, f32 - 0.5);
  for (const char* backend : {"cpu", "cpu-own", "cpu-xnnpack"}) {
    if (find_backend(backend) == nullptr) continue;
    std::vector<float> logits;
    const double ours = accuracy(int8_bytes, backend, &logits);
    std::printf(", %s %.2f%%", backend, ours);
    EXPECT_EQ(ours, reference) << backend;
    EXPECT_TRUE(logits == reference_logits) << backend << " logits differ from the reference's";
  }
  std::printf("\n");
}

}  // namespace
}  // namespace sprig::test
