// Matrix products over float weights read in place from the model file (F32 or F16, row-major
// [N, K], as the converter stored them; nothing repacked at load), for FullyConnected:
//   y[m, n] = clamp(y0 + bias[n] + scale * sum_k x[m, k] * w[n, k], min, max)
// for n in [n0, n1), m < rows, where y0 is y[m, n] as it was when `accumulate` is set, else 0
// One kernel serves decode (one row of x) and prefill (many): the rows of x are taken four at a
// time against a block of weight rows small enough to stay in cache, so the weights come from
// memory once per call. The products are summed in f32 in an order of the kernel's choosing.
// Thread-safe for disjoint n ranges; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

struct FloatMatrix {
  size_t n = 0, k = 0;
  const float* f32 = nullptr;     // [N, K], or
  const uint16_t* f16 = nullptr;  // [N, K] IEEE halves
};

struct FGemvArgs {
  const float* x = nullptr;
  size_t x_stride = 0;  // floats between rows of x
  size_t rows = 0;      // rows of x (M)
  const float* bias = nullptr;  // [N] or null
  float* y = nullptr;
  size_t y_stride = 0;  // floats between rows of y
  float min = 0.0f, max = 0.0f;
  float scale = 1.0f;
  bool accumulate = false;  // add to y (a LoRA branch's B t onto the op's output)
};

using FGemvFn = void (*)(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);

void f32w_gemv__scalar(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);
void f16w_gemv__scalar(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);
#if defined(__x86_64__)
void f32w_gemv__avx2_fma(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);
void f16w_gemv__avx2_fma(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);
#endif
#if defined(__aarch64__) || defined(__arm__)
void f32w_gemv__neon(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);
void f16w_gemv__neon(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1);
#endif

struct FGemvKernels {
  FGemvFn f32 = nullptr;
  FGemvFn f16 = nullptr;
  const char* name = "";
};

// The fastest kernels for these features (scalar where no SIMD version exists).
FGemvKernels select_fgemv_kernels(const CpuFeatures& features);

}  // namespace sprig::cpu
