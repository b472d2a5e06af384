// Weight-only quantized matrix-vector products for FullyConnected, reading the weights as the
// converter stored them in the model file (nothing repacked at load):
//   y[m, n] = clamp(bias[n] + sum_k x[m, k] * w(n, k), min, max)   for n in [n0, n1), m < rows
// where w(n, k) is
//   q8c (I8, one scale per output channel):  scale[n] * q[n, k]           (q row-major [N, K])
//   q4g (I4, groups of `group` along K):     s(n, g) * (q[n, k] - z(n, g)) (two per byte, low
//        nibble first, rows of K/2 bytes; s F16 [N, K/group], z I8 [N, K/group] or absent)
// The products are summed in f32 in an order of the kernel's choosing. Each weight is decoded once
// per block of up to kQGemvRows rows of x. Thread-safe for disjoint n ranges; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

constexpr size_t kQGemvRows = 4;

struct QuantizedMatrix {
  size_t n = 0, k = 0;
  const int8_t* q8 = nullptr;              // q8c: [N, K]
  const float* channel_scales = nullptr;   // q8c: [N]
  const uint8_t* q4 = nullptr;             // q4g: [N, K / 2]
  const uint16_t* group_scales = nullptr;  // q4g: F16 [N, K / group]
  const int8_t* group_zeros = nullptr;     // q4g: [N, K / group] or null (symmetric)
  size_t group = 0;                        // q4g: divides K
};

struct QGemvArgs {
  const float* x = nullptr;
  size_t x_stride = 0;  // floats between rows of x
  size_t rows = 0;      // rows of x (M)
  // q4g SIMD kernels: x rearranged by q4_prepare_x (rows of K floats, and K / 32 block sums).
  const float* x_nibble_order = nullptr;
  const float* x_block_sums = nullptr;
  const float* bias = nullptr;  // [N] or null
  float* y = nullptr;
  size_t y_stride = 0;  // floats between rows of y
  float min = 0.0f, max = 0.0f;
};

// For the q4g SIMD kernels, once per run: each 32-value block of each row of x split into its even
// then its odd elements (the order of the low then high nibbles of 16 weight bytes), in
// x_nibble_order [rows][K], and each block's sum in block_sums [rows][K / 32]. K % 32 == 0.
void q4_prepare_x(const float* x, size_t x_stride, size_t rows, size_t k, float* x_nibble_order,
                  float* block_sums);

using QGemvFn = void (*)(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);

void q8c_gemv_f32__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_f32__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
// AVX2 + FMA (+ F16C); q4g needs group % 32 == 0 and args.x_nibble_order / x_block_sums.
void q8c_gemv_f32__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_f32__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);

// NEON (aarch64; armv7 with NEON + VFPv4); q4g as the AVX2 one.
void q8c_gemv_f32__neon(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_f32__neon(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);

struct QGemvKernels {
  QGemvFn q8c = nullptr;
  QGemvFn q4g = nullptr;  // for groups that are multiples of 32
  bool q4g_needs_prepared_x = false;
  const char* name = "";
};

// The fastest kernels for these features (scalar where no SIMD version exists).
QGemvKernels select_qgemv_kernels(const CpuFeatures& features);

}  // namespace sprig::cpu
