// Winograd F(2x2, 3x3) and F(4x4, 3x3) transforms in portable C++, one channel at a time, and the
// weight transform (done once at creation, in double precision).
#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/kernels/winograd/winograd.h"
#include "backends/cpu/kernels/winograd/winograd_transforms.h"

namespace sprig::cpu {

void f32_winograd_f2x2_3x3_input__scalar(const float* x, size_t h, size_t w, size_t c,
                                         ptrdiff_t ih0, ptrdiff_t iw0, float* v, size_t v_stride) {
  winograd_input<ScalarOps, WinogradF2x2>(x, h, w, c, ih0, iw0, v, v_stride);
}

void f32_winograd_f2x2_3x3_output__scalar(const float* m, size_t m_stride, size_t o,
                                          const float* bias, float* y, size_t y_row_stride,
                                          size_t y_pixel_stride, size_t rows, size_t cols,
                                          float min, float max) {
  winograd_output<ScalarOps, WinogradF2x2>(m, m_stride, o, bias, y, y_row_stride, y_pixel_stride,
                                           rows, cols, min, max);
}

void f32_winograd_f4x4_3x3_input__scalar(const float* x, size_t h, size_t w, size_t c,
                                         ptrdiff_t ih0, ptrdiff_t iw0, float* v, size_t v_stride) {
  winograd_input<ScalarOps, WinogradF4x4>(x, h, w, c, ih0, iw0, v, v_stride);
}

void f32_winograd_f4x4_3x3_output__scalar(const float* m, size_t m_stride, size_t o,
                                          const float* bias, float* y, size_t y_row_stride,
                                          size_t y_pixel_stride, size_t rows, size_t cols,
                                          float min, float max) {
  winograd_output<ScalarOps, WinogradF4x4>(m, m_stride, o, bias, y, y_row_stride, y_pixel_stride,
                                           rows, cols, min, max);
}

void f32_winograd_3x3_pack_weights(WinogradTile tile, size_t o, size_t c, DType dtype,
                                   const void* w, size_t nr, float* packed) {
  static const double kG4[6][3] = {
      {1, 0, 0},
      {1.0 / 3, 1.0 / 3, 1.0 / 3},
      {-1.0 / 3, 1.0 / 3, -1.0 / 3},
      {-16.0 / 15, -8.0 / 15, -4.0 / 15},
      {1.0 / 15, -2.0 / 15, 4.0 / 15},
      {0, 0, 1},
  };
  static const double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  const WinogradShape shape = winograd_shape(tile);
  const int n = static_cast<int>(shape.input_tile);
  const double(*kG)[3] = tile == WinogradTile::kF4x4 ? kG4 : kG2;
  const size_t position_size = f32_gemm_packed_b_size(c, o, nr);
  for (size_t i = 0; i < shape.positions * position_size; ++i) packed[i] = 0.0f;
  for (size_t oc = 0; oc < o; ++oc) {
    float* column = packed + (oc / nr) * c * nr + oc % nr;
    for (size_t ic = 0; ic < c; ++ic) {
      double g[3][3];
      for (size_t kh = 0; kh < 3; ++kh)
        for (size_t kw = 0; kw < 3; ++kw)
          g[kh][kw] = f32_weight_at(dtype, w, ((oc * 3 + kh) * 3 + kw) * c + ic);
      double gg[6][3];  // G g
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < 3; ++j)
          gg[i][j] = kG[i][0] * g[0][j] + kG[i][1] * g[1][j] + kG[i][2] * g[2][j];
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
          const double u = gg[i][0] * kG[j][0] + gg[i][1] * kG[j][1] + gg[i][2] * kG[j][2];
          column[(i * n + j) * position_size + ic * nr] = static_cast<float>(u);
        }
    }
  }
}

}  // namespace sprig::cpu
