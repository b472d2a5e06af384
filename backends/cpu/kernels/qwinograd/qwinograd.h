// int8 Winograd F(2x2, 3x3) (3x3 kernel, stride 1, dilation 1, NHWC), exact in integers, so it
// gives the bytes of the direct int8 convolution (runtime/core/int8_arith.h):
//   U = G' g G'^T with G' = 2G = [2 0 0; 1 1 1; 1 -1 1; 0 0 2]   (int16, |U| <= 9 * 128)
//   V = B^T d B, d = x - input zero point (0 outside the image)  (int16, |V| <= 4 * 255)
//   M = sum over input channels of V .* U                        (int32, wrapping)
//   Y = A^T M A = 4 x the convolution sum, exactly while |4 x sum| < 2^31 (qwinograd_exact), so
//   y = requantize((Y >> 2) + bias).
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1]. The sums over input
// channels are one int16 GEMM per position xi (kernels/qconv, QGemmI32Fn).
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/qconv/qconv.h"

namespace sprig::cpu {

constexpr size_t kQWinogradPositions = 16;

// Whether every 4 x sum fits int32 for `channels` input channels of int8 data and weights.
bool qwinograd_exact(size_t channels);

// u[(xi * o + n) * padded_c + ch] = U[xi] of output channel n, input channel ch, from w [o][3][3][c]
// (padded_c = c rounded up to even; the pad channel is 0).
void qwinograd_transform_weights(const int8_t* w, size_t o, size_t c, int16_t* u);

// The input tile (4x4) at (ih0, iw0) of x [h, w, c] (may lie outside the image):
// v[xi * v_stride + ch] = V[xi] for ch < c, and 0 at ch = c when c is odd.
using QWinogradInputFn = void (*)(const int8_t* x, size_t h, size_t w, size_t c,
                                  int32_t zero_point, ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v,
                                  size_t v_stride);
// One output tile: for channels ch < o, Y from M[xi] = m[xi * m_stride + ch], then
// y[r * y_row_stride + col * y_pixel_stride + ch] =
//   int8_requantize((Y[r][col] >> 2) + bias[ch], multipliers[ch], output) for r < rows, col < cols.
using QWinogradOutputFn = void (*)(const int32_t* m, size_t m_stride, size_t o,
                                   const int32_t* bias, const float* multipliers,
                                   const QConvOutput& output, int8_t* y, size_t y_row_stride,
                                   size_t y_pixel_stride, size_t rows, size_t cols);

struct QWinogradKernels {
  QWinogradInputFn input;
  QWinogradOutputFn output;
  const char* name;
};

QWinogradKernels select_qwinograd_kernels(const CpuFeatures& features);

void qwinograd_input__scalar(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point,
                             ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v, size_t v_stride);
void qwinograd_output__scalar(const int32_t* m, size_t m_stride, size_t o, const int32_t* bias,
                              const float* multipliers, const QConvOutput& output, int8_t* y,
                              size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                              size_t cols);
void qwinograd_input__avx2_fma(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point,
                               ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v, size_t v_stride);
void qwinograd_output__avx2_fma(const int32_t* m, size_t m_stride, size_t o, const int32_t* bias,
                                const float* multipliers, const QConvOutput& output, int8_t* y,
                                size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                                size_t cols);

}  // namespace sprig::cpu
