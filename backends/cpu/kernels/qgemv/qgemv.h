// Weight-only quantized matrix-vector products for FullyConnected, reading the weights as the
// converter stored them in the model file (nothing repacked at load):
//   y[m, n] = clamp(bias[n] + sum_k x[m, k] * w(n, k), min, max)   for n in [n0, n1), m < rows
// where w(n, k) is
//   q8c (I8, one scale per output channel):  scale[n] * q[n, k]           (q row-major [N, K])
//   q4g (I4, groups of `group` along K):     s(n, g) * (q[n, k] - z(n, g)) (two per byte, low
//        nibble first, rows of K/2 bytes; s F16 [N, K/group], z I8 [N, K/group] or absent)
// The products are summed in f32 in an order of the kernel's choosing. Each weight is decoded once
// per block of up to kQGemvRows rows of x. Thread-safe for disjoint n ranges; no allocation.
//
// Two kinds of kernel compute it:
//   *_gemv_f32__*  x in f32 (the q4g SIMD ones read x rearranged by q4_prepare_x);
//   *_gemv_q8__*   x quantized by quantize_rows_q8 (int8 per block of 32 values, as llama.cpp's
//                  Q8_0 activations), the products summed in int32 per block by integer dot
//                  products (AVX2 vpmaddubsw, AVX512-VNNI vpdpbusd, Arm sdot) and scaled in f32: y differs
//                  from the f32 kernels' by at most sum_k |w(n, k)| * d(block of k) / 2.
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
  // *_gemv_q8 kernels: x quantized by quantize_rows_q8 (q4g: in nibble order).
  const int8_t* x_q8 = nullptr;         // [rows][K] (q4g: q4 order)
  const float* x_q8_scales = nullptr;   // [rows][K / 32]
  const float* x_q8_sums = nullptr;     // [rows][K / 32]
  float* y = nullptr;
  size_t y_stride = 0;  // floats between rows of y
  float min = 0.0f, max = 0.0f;
};

// For the q4g SIMD kernels, once per run: each 32-value block of each row of x split into its even
// then its odd elements (the order of the low then high nibbles of 16 weight bytes), in
// x_nibble_order [rows][K], and each block's sum in block_sums [rows][K / 32]. K % 32 == 0.
void q4_prepare_x(const float* x, size_t x_stride, size_t rows, size_t k, float* x_nibble_order,
                  float* block_sums);

// For the *_gemv_q8 kernels, once per run: each block of 32 values of each row of x stored as
// q = round(x / d) in int8 (|q| <= 127), d = max |x| / 127 over the block (0 for a block of zeros),
// into q [rows][K], scales [rows][K / 32] = d and sums [rows][K / 32] = d * sum of the block's q.
// q is in natural order, or with q4_order in the order of int4 weight nibbles (q4_order_position).
// K % 32 == 0. Rows are independent: callers may split them among threads.
void quantize_rows_q8(const float* x, size_t x_stride, size_t rows, size_t k, bool q4_order,
                      int8_t* q, float* scales, float* sums);

// Where element e of a row of K values goes in quantize_rows_q8's q4 order. K is cut into chunks
// of 256 values (8 blocks) and a tail of blocks. In a chunk, each pair of blocks (2i, 2i + 1)
// holds the even elements of block 2i, those of block 2i + 1, the odd elements of block 2i, then
// those of block 2i + 1: the order of the low then the high nibbles of the pair's 32 weight bytes.
// A tail block holds its even elements, then its odd ones.
inline size_t q4_order_position(size_t e, size_t k) {
  const size_t block = e / 32, j = e % 32;
  if (block < k / 256 * 8) return (block & ~size_t{1}) * 32 + (j % 2) * 32 + (block % 2) * 16 + j / 2;
  return block * 32 + (j % 2) * 16 + j / 2;
}

using QGemvFn = void (*)(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);

void q8c_gemv_f32__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_f32__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
// AVX2 + FMA (+ F16C); q4g needs group % 32 == 0 and args.x_nibble_order / x_block_sums.
void q8c_gemv_f32__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_f32__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);

// Dot-product kernels over x from quantize_rows_q8 (K % 32 == 0; q4g: group % 32 == 0).
void q8c_gemv_q8__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_q8__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q8c_gemv_q8__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_q8__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q8c_gemv_q8__avx512vnni(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0,
                             size_t n1);
void q4g_gemv_q8__avx512vnni(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0,
                             size_t n1);

// NEON (aarch64; armv7 with NEON + VFPv4); q4g as the AVX2 one.
void q8c_gemv_f32__neon(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_f32__neon(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
// aarch64 with the dot product (sdot), over x from quantize_rows_q8 as the ones above.
void q8c_gemv_q8__neondot(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);
void q4g_gemv_q8__neondot(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1);

struct QGemvKernels {
  QGemvFn q8c = nullptr;
  QGemvFn q4g = nullptr;  // for groups that are multiples of 32
  bool q4g_needs_prepared_x = false;
  const char* name = "";
  // Dot-product kernels over quantize_rows_q8's x, where the CPU has them (else null).
  QGemvFn q8c_q8 = nullptr;
  QGemvFn q4g_q8 = nullptr;
  const char* q8_name = "";
};

// The fastest kernels for these features (scalar where no SIMD version exists).
QGemvKernels select_qgemv_kernels(const CpuFeatures& features);

}  // namespace sprig::cpu
