// Winograd F(4x4, 3x3) convolution pieces (3x3 kernel, stride 1, dilation 1, NHWC).
//
// A 4x4 output tile comes from a 6x6 input tile: V = B^T d B (input transform), U = G g G^T
// (weights, at creation), M = V .* U summed over input channels (36 GEMMs, one per tile position
// xi, [tiles x C] * [C x O]), Y = A^T M A (output transform). The interpolation points are
// {0, 1, -1, 1/2, -2, inf}, chosen for fp32 accuracy (matrices in winograd_transforms.h). The
// transforms act on many channels at once (channels are contiguous in NHWC), so the SIMD versions
// are plain vector arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {

constexpr size_t kWinogradOutputTile = 4;
constexpr size_t kWinogradInputTile = 6;
constexpr size_t kWinogradPositions = 36;  // 6x6 tile positions xi

// Transforms the 6x6 input tile whose top-left is (ih0, iw0) (may lie outside the image: taps
// outside read zero) of x [h, w, c] (one image, channels contiguous, pixel stride c):
//   v[xi * v_stride + ch] = (B^T d_ch B)[xi] for xi < 36, ch < c.
using F32WinogradInputFn = void (*)(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                                    ptrdiff_t iw0, float* v, size_t v_stride);
// Transforms one tile back: for channels ch < o, Y = A^T M A with M[xi] = m[xi * m_stride + ch],
// then y[r * y_row_stride + col * y_pixel_stride + ch] = clamp(Y[r][col] + bias[ch]) for r < rows,
// col < cols (rows, cols <= 4: partial tiles at the bottom/right). bias may be null.
using F32WinogradOutputFn = void (*)(const float* m, size_t m_stride, size_t o, const float* bias,
                                     float* y, size_t y_row_stride, size_t y_pixel_stride,
                                     size_t rows, size_t cols, float min, float max);

struct F32WinogradKernels {
  F32WinogradInputFn input = nullptr;
  F32WinogradOutputFn output = nullptr;
  const char* name = "";
};

void f32_winograd_f4x4_3x3_input__scalar(const float* x, size_t h, size_t w, size_t c,
                                         ptrdiff_t ih0, ptrdiff_t iw0, float* v, size_t v_stride);
void f32_winograd_f4x4_3x3_output__scalar(const float* m, size_t m_stride, size_t o,
                                          const float* bias, float* y, size_t y_row_stride,
                                          size_t y_pixel_stride, size_t rows, size_t cols,
                                          float min, float max);
void f32_winograd_f4x4_3x3_input__avx2_fma(const float* x, size_t h, size_t w, size_t c,
                                           ptrdiff_t ih0, ptrdiff_t iw0, float* v, size_t v_stride);
void f32_winograd_f4x4_3x3_output__avx2_fma(const float* m, size_t m_stride, size_t o,
                                            const float* bias, float* y, size_t y_row_stride,
                                            size_t y_pixel_stride, size_t rows, size_t cols,
                                            float min, float max);
void f32_winograd_f4x4_3x3_input__neon(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                                       ptrdiff_t iw0, float* v, size_t v_stride);
void f32_winograd_f4x4_3x3_output__neon(const float* m, size_t m_stride, size_t o,
                                        const float* bias, float* y, size_t y_row_stride,
                                        size_t y_pixel_stride, size_t rows, size_t cols, float min,
                                        float max);

F32WinogradKernels select_f32_winograd_kernels(const CpuFeatures& features);

// Transforms weights w [o, 3, 3, c] (OHWI, dtype F32/F16/BF16, w_stride elements between output
// channels) into U (in double precision, rounded once) and packs each position's [c x o] matrix as
// GEMM panels of width nr (gemm.h): position xi starts at packed + xi * f32_gemm_packed_b_size(c,
// o, nr). packed holds 36 * f32_gemm_packed_b_size(c, o, nr) floats.
void f32_winograd_f4x4_3x3_pack_weights(size_t o, size_t c, DType dtype, const void* w, size_t nr,
                                        float* packed);

}  // namespace sprig::cpu
