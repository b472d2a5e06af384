// The bundled digits CNN as sprig-convert wrote it (fixtures/digits/digits.sprig), on every
// registered backend ahead of the reference: every test image must get PyTorch's class, with
// logits close to PyTorch's. Needs no ONNX importer, so the cross builds run it under qemu.
#include <gtest/gtest.h>

#include <fstream>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "backends/cpu/cpu_features.h"
#include "runtime/capi/backend_registry.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

int argmax(const float* values, int count) {
  return static_cast<int>(std::max_element(values, values + count) - values);
}

// The ops of `session` that `backend` runs.
int ops_on(const Session& session, const Backend* backend) {
  int ops = 0;
  for (const Partition& partition : session.partitions())
    if (partition.backend == backend) ops += partition.num_ops;
  return ops;
}

TEST(DigitsModelTest, EveryBackendMatchesPyTorchOnEveryTestImage) {
  const std::string dir = source_dir() + "/models/digits/";
  std::vector<int64_t> image_shape;
  const std::vector<float> images = read_npy_f32(dir + "digits_test_images.npy", &image_shape);
  const std::vector<float> logits = read_npy_f32(dir + "digits_test_logits.npy");
  ASSERT_EQ(image_shape.size(), 4u);
  const size_t count = static_cast<size_t>(image_shape[0]);
  const size_t pixels = images.size() / count;
  ASSERT_EQ(logits.size(), count * 10);

  LoadedModel loaded = load_bytes(read_file(fixtures_dir() + "/digits/digits.sprig"));
  ASSERT_TRUE(loaded.model);
  Backend* const* backends = nullptr;
  const int num_backends = registered_backends(&backends);
  for (int b = 0; b < num_backends; ++b) {
    const std::string name = backends[b]->name();
    SCOPED_TRACE(name);
    std::vector<std::string> preference = {name};
    if (name != "reference") preference.push_back("reference");
    std::unique_ptr<Session> session = make_session(*loaded.model, preference);
    ASSERT_TRUE(session);
    ASSERT_EQ(session->input(0).shape.numel(), static_cast<int64_t>(pixels));
    size_t same = 0;
    double worst = 0;
    for (size_t i = 0; i < count; ++i) {
      std::copy(images.begin() + i * pixels, images.begin() + (i + 1) * pixels,
                session->input(0).f32());
      ASSERT_TRUE(session->run().ok());
      const float* ours = session->output(0).f32();
      const float* theirs = logits.data() + i * 10;
      same += argmax(ours, 10) == argmax(theirs, 10);
      worst = std::max(worst, compare(ours, theirs, 10).max_abs);
    }
    std::printf(
        "[ figures  ] digits.sprig on %s (%d of %d ops): %zu/%zu same class as PyTorch, "
        "max |logit err| %.3g\n",
        name.c_str(), ops_on(*session, backends[b]), loaded.model->num_ops(), same, count, worst);
    EXPECT_EQ(same, count);
    EXPECT_LT(worst, 1e-3);
  }
}

// The CPU features the CPU backend picks its kernels by. The cross builds' test presets name those
// of the CPU qemu emulates (SPRIG_EXPECT_CPU_FEATURES), so that a CPU the backend misreads
// (everything false: the scalar kernels) cannot pass unnoticed.
TEST(DigitsModelTest, CpuFeaturesAreTheExpectedOnes) {
  const cpu::CpuFeatures& features = cpu::cpu_features();
  std::string actual;
  auto add = [&](bool present, const char* name) {
    if (present) actual += (actual.empty() ? "" : " ") + std::string(name);
  };
  add(features.avx2_fma, "avx2_fma");
  add(features.neon, "neon");
  add(features.neon_fma, "neon_fma");
  add(features.neon_dotprod, "neon_dotprod");
  std::printf("[ figures  ] CPU features: %s\n", actual.empty() ? "none" : actual.c_str());
  const char* expected = std::getenv("SPRIG_EXPECT_CPU_FEATURES");
  if (expected != nullptr) {
    EXPECT_EQ(actual, expected);
    return;
  }
#if defined(__x86_64__) && defined(__linux__)
  // On an x86-64 host, the kernel's own reading of the CPU is the independent answer.
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line) && line.rfind("flags", 0) != 0) {
  }
  const std::string flags = line + " ";
  const bool kernel_says_avx2_fma =
      flags.find(" avx2 ") != std::string::npos && flags.find(" fma ") != std::string::npos;
  EXPECT_EQ(features.avx2_fma, kernel_says_avx2_fma) << flags;
#endif
}

}  // namespace
}  // namespace sprig::test
