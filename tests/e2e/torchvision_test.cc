// ResNet-18, MobileNetV2, MobileNetV3-Small, EfficientNet-B0 and SqueezeNet 1.1 (torchvision,
// random init, exported by models/export_torchvision.py) converted and run on the reference
// backend and on the CPU backend's two paths (XNNPACK + own kernels, own kernels only), against
// PyTorch's output. (ResNet-50, the model benchmark's sixth, is checked by
// bench/check_accuracy.py: it takes several seconds on the reference backend.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/capi/backend_registry.h"
#include "runtime/core/memory_planner.h"

#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

struct Case {
  const char* name;
  fb::DType weights;
  double tolerance;  // max |error| / max |output|
};

class TorchvisionTest : public ::testing::TestWithParam<Case> {};

TEST_P(TorchvisionTest, MatchesPyTorch) {
  const Case& c = GetParam();
  const std::string base = fixtures_dir() + "/" + c.name;
  convert::ConvertOptions options;
  options.weight_dtype = c.weights;
  const std::vector<uint8_t> bytes = convert_onnx(base + ".onnx", options);
  LoadedModel loaded = load_bytes(bytes);
  ASSERT_TRUE(loaded.model);
  const std::vector<float> input = read_npy_f32(base + "_input.npy");
  const std::vector<float> expected = read_npy_f32(base + "_output.npy");
  // Every backend path, each falling back to the reference for the ops it does not run; the CPU
  // backend with two threads.
  const std::vector<std::vector<std::string>> paths = {
      {"reference"}, {"cpu", "reference"}, {"cpu-xnnpack", "reference"}, {"cpu-own", "reference"}};
  for (const std::vector<std::string>& path : paths) {
    if (!find_backend(path[0].c_str())) continue;  // cpu-xnnpack: only in builds with XNNPACK
    std::unique_ptr<Session> session = make_session(*loaded.model, path, path.size() > 1 ? 2 : 1);
    ASSERT_TRUE(session);
    ASSERT_EQ(input.size() * sizeof(float), session->input(0).bytes());
    ASSERT_EQ(expected.size() * sizeof(float), session->output(0).bytes());
    std::copy(input.begin(), input.end(), session->input(0).f32());
    ASSERT_TRUE(session->run().ok());
    const Difference d = compare(session->output(0).f32(), expected.data(), expected.size());
    std::printf("[ figures  ] %s weights=%s on %s: file %zu bytes, max|err| %.3g, max|out| %.3g, "
                "ratio %.3g, arena %llu bytes (naive %llu)\n",
                c.name, dtype_name(c.weights), path[0].c_str(), bytes.size(), d.max_abs,
                d.max_ref, d.relative(), static_cast<unsigned long long>(loaded.model->arena_size()),
                static_cast<unsigned long long>(loaded.model->naive_arena_size()));
    EXPECT_LE(d.relative(), c.tolerance) << path[0];
  }
}

// The most bytes that are live at once during a run: no plan can use a smaller arena.
uint64_t peak_live_bytes(const Model& model) {
  std::vector<OpTensorIndices> ops;
  for (int i = 0; i < model.num_ops(); ++i) {
    const fb::Op& op = model.op(i);
    ops.push_back({std::vector<int>(op.inputs()->begin(), op.inputs()->end()),
                   std::vector<int>(op.outputs()->begin(), op.outputs()->end())});
  }
  std::vector<int> inputs, outputs;
  for (int i = 0; i < model.num_inputs(); ++i) inputs.push_back(model.input_tensor(i));
  for (int i = 0; i < model.num_outputs(); ++i) outputs.push_back(model.output_tensor(i));
  const std::vector<BufferLifetime> lifetimes = tensor_lifetimes(model.num_tensors(), ops, inputs, outputs);
  uint64_t peak = 0;
  for (int op = 0; op < model.num_ops(); ++op) {
    uint64_t live = 0;
    for (int t = 0; t < model.num_tensors(); ++t) {
      const BufferLifetime& lifetime = lifetimes[static_cast<size_t>(t)];
      if (!model.is_constant(t) && lifetime.first_use <= op && op <= lifetime.last_use)
        live += align_up(model.tensor(t).bytes(), 64);
    }
    peak = std::max(peak, live);
  }
  return peak;
}

// Arena regression guard: the greedy plan stays within 3% of the lower bound, and well under the
// naive sum.
TEST(TorchvisionTest, ArenaIsCloseToThePeakOfLiveTensors) {
  for (const char* name : {"resnet18", "mobilenet_v2"}) {
    LoadedModel loaded = load_bytes(convert_onnx(fixtures_dir() + "/" + name + ".onnx"));
    ASSERT_TRUE(loaded.model);
    const uint64_t peak = peak_live_bytes(*loaded.model);
    const uint64_t arena = loaded.model->arena_size();
    std::printf("[ figures  ] %s: arena %llu bytes, peak live %llu bytes (%.3f), naive sum %llu bytes\n",
                name, static_cast<unsigned long long>(arena), static_cast<unsigned long long>(peak),
                double(arena) / double(peak),
                static_cast<unsigned long long>(loaded.model->naive_arena_size()));
    EXPECT_GE(arena, peak);
    EXPECT_LE(arena, peak * 103 / 100);
    EXPECT_LT(arena * 2, loaded.model->naive_arena_size());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, TorchvisionTest,
                         ::testing::Values(Case{"resnet18", fb::DType::F32, 1e-4},
                                           Case{"mobilenet_v2", fb::DType::F32, 1e-4},
                                           Case{"resnet18", fb::DType::F16, 1e-2},
                                           Case{"mobilenet_v2", fb::DType::F16, 1e-2},
                                           // HardSwish, squeeze-excitation with HardSigmoid gates
                                           Case{"mobilenet_v3_small", fb::DType::F32, 1e-4},
                                           // SiLU as x * sigmoid(x), squeeze-excitation
                                           Case{"efficientnet_b0", fb::DType::F32, 1e-4},
                                           // Concat, MaxPool ceil_mode, no BatchNorm
                                           Case{"squeezenet1_1", fb::DType::F32, 1e-4}),
                         [](const auto& info) {
                           return std::string(info.param.name) + "_" + dtype_name(info.param.weights);
                         });

TEST(TorchvisionTest, F16HalvesTheFile) {
  for (const char* name : {"resnet18", "mobilenet_v2"}) {
    const std::string path = fixtures_dir() + "/" + name + ".onnx";
    convert::ConvertOptions f16;
    f16.weight_dtype = fb::DType::F16;
    const size_t f32_bytes = convert_onnx(path).size();
    const size_t f16_bytes = convert_onnx(path, f16).size();
    std::printf("[ figures  ] %s: f32 file %zu bytes, f16 file %zu bytes (%.3f)\n", name, f32_bytes,
                f16_bytes, double(f16_bytes) / double(f32_bytes));
    EXPECT_LT(f16_bytes, f32_bytes * 0.52);
    EXPECT_GT(f16_bytes, f32_bytes * 0.48);
  }
}

}  // namespace
}  // namespace sprig::test
