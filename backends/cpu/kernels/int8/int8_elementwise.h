// Element-wise int8 kernels: Add, Quantize and Dequantize, computing per element exactly what
// runtime/core/int8_arith.h says (SIMD lanes use the same float operations in the same order and
// round to nearest even), so every variant gives the reference's bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

struct Int8AddParams {
  int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;
  float a_multiplier = 1.0f, b_multiplier = 1.0f;
  Int8Range range;
};

using Int8AddFn = void (*)(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                           const Int8AddParams& params);
// y = int8_quantize(x, inverse_scale, zero_point)
using Int8QuantizeFn = void (*)(const float* x, int8_t* y, size_t n, float inverse_scale,
                                int32_t zero_point);
// y = int8_dequantize(x, scale, zero_point)
using Int8DequantizeFn = void (*)(const int8_t* x, float* y, size_t n, float scale,
                                  int32_t zero_point);

struct Int8ElementwiseKernels {
  Int8AddFn add;
  Int8QuantizeFn quantize;
  Int8DequantizeFn dequantize;
  const char* name;
};

Int8ElementwiseKernels select_int8_elementwise_kernels(const CpuFeatures& features);

void int8_add__scalar(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                      const Int8AddParams& params);
void int8_quantize__scalar(const float* x, int8_t* y, size_t n, float inverse_scale,
                           int32_t zero_point);
void int8_dequantize__scalar(const int8_t* x, float* y, size_t n, float scale, int32_t zero_point);

void int8_add__avx2_fma(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                        const Int8AddParams& params);
void int8_quantize__avx2_fma(const float* x, int8_t* y, size_t n, float inverse_scale,
                             int32_t zero_point);
void int8_dequantize__avx2_fma(const int8_t* x, float* y, size_t n, float scale,
                               int32_t zero_point);

// aarch64 only (armv7 NEON has no round-to-nearest conversion; it takes the scalar kernels).
void int8_add__neon(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                    const Int8AddParams& params);
void int8_quantize__neon(const float* x, int8_t* y, size_t n, float inverse_scale,
                         int32_t zero_point);
void int8_dequantize__neon(const int8_t* x, float* y, size_t n, float scale, int32_t zero_point);

}  // namespace sprig::cpu
