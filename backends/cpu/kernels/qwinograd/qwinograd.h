// int8 Winograd convolution (3x3 kernel, stride 1, dilation 1, NHWC), exact in integers, so it
// gives the bytes of the direct int8 convolution (runtime/core/int8_arith.h). Two tiles:
//
// F(2x2, 3x3), 16 positions:
//   U = G' g G'^T with G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2]   (int16, |U| <= 9 * 128)
//   V = B^T d B, d = x - input zero point (0 outside the image)  (int16, |V| <= 4 * 255)
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1]
//   M = sum over input channels of V .* U (int32, wrapping); A^T M A = 4 x the sum, exact while
//   that fits int32 (qwinograd_exact), so the sum is (A^T M A) >> 2.
//
// F(4x4, 3x3), 36 positions, points {0, 1, -1, 2, -2}:
//   G' = D G = [1 0 0; -1 -1 -1; -1 1 -1; 1 2 4; 1 -2 4; 0 0 1], D = diag(4, 6, 6, 24, 24, 1)
//                                                              (int16, |U| <= 49 * 128)
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0;
//          0 4 0 -5 0 1]                                       (int16, |V| <= 100 * 255)
//   M' = sum of V .* U (int32, wrapping), M = D^-1 M' D^-1; with E = 24 D^-1 = diag(6, 4, 4, 1, 1,
//   24), A'^T = A^T E = [6 4 4 1 1 0; 0 4 -4 2 -2 0; 0 4 4 4 4 0; 0 4 -4 8 -8 24] gives
//   Z = A'^T M' A' = 576 x the sum (mod 2^32). Z / 64 = 9 x the sum mod 2^26, times the inverse of
//   9 gives the sum mod 2^26: exact while |sum| < 2^25, which qwinograd_f4x4_exact checks from
//   the weights (sum over taps and channels of |w| x 255, per output channel).
//
// The sums over input channels are one int16 GEMM per position (kernels/qconv, QGemmI32Fn).
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/qconv/qconv.h"

namespace sprig::cpu {

enum class QWinogradTile { kF2x2, kF4x4 };

struct QWinogradShape {
  size_t output_tile;  // output tile side
  size_t input_tile;   // output_tile + 2
  size_t positions;    // input_tile^2
};

constexpr QWinogradShape qwinograd_shape(QWinogradTile tile) {
  return tile == QWinogradTile::kF4x4 ? QWinogradShape{4, 6, 36} : QWinogradShape{2, 4, 16};
}

// F(2x2): whether every 4 x sum fits int32 for `channels` input channels of int8 data and weights.
bool qwinograd_exact(size_t channels);
// F(4x4): whether every output channel's sum stays under 2^25 for these weights w [o][3][3][c].
bool qwinograd_f4x4_exact(const int8_t* w, size_t o, size_t c);

// u[(xi * o + n) * padded_c + ch] = U[xi] of output channel n, input channel ch, from
// w [o][3][3][c] (padded_c = c rounded up to even; the pad channel is 0).
void qwinograd_transform_weights(QWinogradTile tile, const int8_t* w, size_t o, size_t c,
                                 int16_t* u);

// The input tile (input_tile x input_tile) at (ih0, iw0) of x [h, w, c] (may lie outside the
// image): v[xi * v_stride + ch] = V[xi] for ch < c, and 0 at ch = c when c is odd.
using QWinogradInputFn = void (*)(const int8_t* x, size_t h, size_t w, size_t c,
                                  int32_t zero_point, ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v,
                                  size_t v_stride);
// One output tile: for channels ch < o, the sums from M[xi] = m[xi * m_stride + ch], then
// y[r * y_row_stride + col * y_pixel_stride + ch] =
//   int8_requantize(sum[r][col] + bias[ch], multipliers[ch], output) for r < rows, col < cols.
using QWinogradOutputFn = void (*)(const int32_t* m, size_t m_stride, size_t o,
                                   const int32_t* bias, const float* multipliers,
                                   const QConvOutput& output, int8_t* y, size_t y_row_stride,
                                   size_t y_pixel_stride, size_t rows, size_t cols);

struct QWinogradKernels {
  QWinogradInputFn input;
  QWinogradOutputFn output;
  const char* name;
};

QWinogradKernels select_qwinograd_kernels(const CpuFeatures& features, QWinogradTile tile);

#define SPRIG_QWINOGRAD_DECLARE(tile, isa)                                                     \
  void qwinograd_##tile##_input__##isa(const int8_t* x, size_t h, size_t w, size_t c,          \
                                       int32_t zero_point, ptrdiff_t ih0, ptrdiff_t iw0,       \
                                       int16_t* v, size_t v_stride);                           \
  void qwinograd_##tile##_output__##isa(const int32_t* m, size_t m_stride, size_t o,           \
                                        const int32_t* bias, const float* multipliers,         \
                                        const QConvOutput& output, int8_t* y,                  \
                                        size_t y_row_stride, size_t y_pixel_stride,            \
                                        size_t rows, size_t cols);
SPRIG_QWINOGRAD_DECLARE(f2x2, scalar)
SPRIG_QWINOGRAD_DECLARE(f4x4, scalar)
SPRIG_QWINOGRAD_DECLARE(f2x2, avx2_fma)
SPRIG_QWINOGRAD_DECLARE(f4x4, avx2_fma)
SPRIG_QWINOGRAD_DECLARE(f2x2, neon)
SPRIG_QWINOGRAD_DECLARE(f4x4, neon)
#undef SPRIG_QWINOGRAD_DECLARE

}  // namespace sprig::cpu
