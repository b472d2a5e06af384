#include "tests/unit/cpu_op_test_util.h"

#include <cmath>
#include <random>

namespace sprig::cpu::op_test {

std::vector<std::pair<std::string, CpuFeatures>> variants() {
  std::vector<std::pair<std::string, CpuFeatures>> result = {{"scalar", CpuFeatures()}};
  const CpuFeatures& machine = cpu_features();
  if (machine.avx2_fma) {
    CpuFeatures f;
    f.avx2_fma = true;
    result.push_back({"avx2_fma", f});
    if (machine.avx512_vnni) {
      f.avx512_vnni = true;
      result.push_back({"avx512vnni", f});
    }
  }
  if (machine.neon && machine.neon_fma) {
    CpuFeatures f;
    f.neon = f.neon_fma = true;
    result.push_back({"neon", f});
    if (machine.neon_dotprod) {
      f.neon_dotprod = true;
      result.push_back({"neon_dotprod", f});
    }
  }
  return result;
}

pthreadpool_t test_pool() {
  static pthreadpool_t pool = pthreadpool_create(3);
  return pool;
}

std::vector<float> normal(size_t n, uint32_t seed, float stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

Shape shape_of(const std::vector<int64_t>& dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

TensorView view(DType dtype, const std::vector<int64_t>& dims, const void* data) {
  TensorView t;
  t.dtype = dtype;
  t.shape = shape_of(dims);
  t.data = const_cast<void*>(data);
  return t;
}

std::vector<uint16_t> narrow(DType dtype, std::vector<float>* values) {
  std::vector<uint16_t> stored(values->size());
  if (dtype != DType::F16 && dtype != DType::BF16) return stored;
  for (size_t i = 0; i < values->size(); ++i) {
    float& v = (*values)[i];
    stored[i] = dtype == DType::F16 ? f32_to_f16(v) : f32_to_bf16(v);
    v = dtype == DType::F16 ? f16_to_f32(stored[i]) : bf16_to_f32(stored[i]);
  }
  return stored;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  int failures = 0;
  for (size_t i = 0; i < got.size() && failures < 10; ++i) {
    const float a = got[i], b = want[i];
    if ((std::isnan(b) && std::isnan(a)) || a == b) continue;
    if (!(std::fabs(a - b) <= 2e-5f + 2e-4f * std::fabs(b))) {
      ADD_FAILURE() << (what ? what : "") << (what ? ": " : "") << "element " << i << ": got " << a
                    << ", want " << b;
      ++failures;
    }
  }
}

}  // namespace sprig::cpu::op_test
