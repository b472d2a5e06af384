// The bundled digits CNN: every test image must get PyTorch's class, at opsets 11, 13 and 17.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

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

}  // namespace
}  // namespace sprig::test
