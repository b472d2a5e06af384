// Winograd convolution pieces (3x3 kernel, stride 1, dilation 1, NHWC), in two tile sizes:
//   F(4x4, 3x3): a 4x4 output tile from a 6x6 input tile, 36 positions (4x fewer multiplies than
//     direct, 4x the weight bytes). Interpolation points {0, 1, -1, 1/2, -2, inf}, chosen for
//     fp32 accuracy (matrices in winograd_transforms.h).
//   F(2x2, 3x3): a 2x2 output tile from a 4x4 input tile, 16 positions (2.25x fewer multiplies,
//     1.8x the weight bytes): for small images with many channels, where F(4x4)'s transformed
//     weights would not be shared by enough tiles.
// V = B^T d B (input transform), U = G g G^T (weights, at creation), M = V .* U summed over input
// channels (one GEMM per position xi, [tiles x C] * [C x O]), Y = A^T M A (output transform).
// The transforms act on many channels at once (channels are contiguous in NHWC), so the SIMD
// versions are plain vector arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {

enum class WinogradTile { kF2x2, kF4x4 };

struct WinogradShape {
  size_t output_tile;  // output tile side
  size_t input_tile;   // input tile side: output_tile + 2
  size_t positions;    // input_tile^2 positions xi
};

constexpr WinogradShape winograd_shape(WinogradTile tile) {
  return tile == WinogradTile::kF4x4 ? WinogradShape{4, 6, 36} : WinogradShape{2, 4, 16};
}

// Transforms the input tile (input_tile x input_tile) whose top-left is (ih0, iw0) (may lie outside
// the image: taps outside read zero) of x [h, w, c] (one image, channels contiguous, pixel stride
// c):
//   v[xi * v_stride + ch] = (B^T d_ch B)[xi] for xi < positions, ch < c.
using F32WinogradInputFn = void (*)(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                                    ptrdiff_t iw0, float* v, size_t v_stride);
// Transforms one tile back: for channels ch < o, Y = A^T M A with M[xi] = m[xi * m_stride + ch],
// then y[r * y_row_stride + col * y_pixel_stride + ch] = clamp(Y[r][col] + bias[ch]) for r < rows,
// col < cols (rows, cols <= output_tile: partial tiles at the bottom/right). bias may be null.
using F32WinogradOutputFn = void (*)(const float* m, size_t m_stride, size_t o, const float* bias,
                                     float* y, size_t y_row_stride, size_t y_pixel_stride,
                                     size_t rows, size_t cols, float min, float max);

struct F32WinogradKernels {
  WinogradTile tile = WinogradTile::kF4x4;
  F32WinogradInputFn input = nullptr;
  F32WinogradOutputFn output = nullptr;
  const char* name = "";
};

void f32_winograd_f2x2_3x3_input__scalar(const float* x, size_t h, size_t w, size_t c,
                                         ptrdiff_t ih0, ptrdiff_t iw0, float* v, size_t v_stride);
void f32_winograd_f2x2_3x3_output__scalar(const float* m, size_t m_stride, size_t o,
                                          const float* bias, float* y, size_t y_row_stride,
                                          size_t y_pixel_stride, size_t rows, size_t cols,
                                          float min, float max);
void f32_winograd_f2x2_3x3_input__avx2_fma(const float* x, size_t h, size_t w, size_t c,
                                           ptrdiff_t ih0, ptrdiff_t iw0, float* v, size_t v_stride);
void f32_winograd_f2x2_3x3_output__avx2_fma(const float* m, size_t m_stride, size_t o,
                                            const float* bias, float* y, size_t y_row_stride,
                                            size_t y_pixel_stride, size_t rows, size_t cols,
                                            float min, float max);
void f32_winograd_f2x2_3x3_input__neon(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                                       ptrdiff_t iw0, float* v, size_t v_stride);
void f32_winograd_f2x2_3x3_output__neon(const float* m, size_t m_stride, size_t o,
                                        const float* bias, float* y, size_t y_row_stride,
                                        size_t y_pixel_stride, size_t rows, size_t cols, float min,
                                        float max);
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

F32WinogradKernels select_f32_winograd_kernels(const CpuFeatures& features, WinogradTile tile);

// Transforms weights w [o, 3, 3, c] (OHWI, dtype F32/F16/BF16) into U = G g G^T (in double
// precision, rounded once) and packs each position's [c x o] matrix as GEMM panels of width nr
// (gemm.h): position xi starts at packed + xi * f32_gemm_packed_b_size(c, o, nr). packed holds
// positions * f32_gemm_packed_b_size(c, o, nr) floats.
void f32_winograd_3x3_pack_weights(WinogradTile tile, size_t o, size_t c, DType dtype,
                                   const void* w, size_t nr, float* packed);

}  // namespace sprig::cpu
