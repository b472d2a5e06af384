// Winograd F(2x2, 3x3) and F(4x4, 3x3) transforms with AVX2 + FMA, 8 channels per vector (the
// scalar transform takes the last c % 8).
#include <immintrin.h>

#include "backends/cpu/kernels/winograd/winograd.h"
#include "backends/cpu/kernels/winograd/winograd_transforms.h"

namespace sprig::cpu {
namespace {

struct Avx2Ops {
  using V = __m256;
  static constexpr size_t kLanes = 8;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V zero() { return _mm256_setzero_ps(); }
  static V splat(float f) { return _mm256_set1_ps(f); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V madd(V a, float k, V b) { return _mm256_fmadd_ps(a, _mm256_set1_ps(k), b); }
  static V clamp(V v, V lo, V hi) { return _mm256_min_ps(_mm256_max_ps(v, lo), hi); }
};

}  // namespace

void f32_winograd_f2x2_3x3_input__avx2_fma(const float* x, size_t h, size_t w, size_t c,
                                           ptrdiff_t ih0, ptrdiff_t iw0, float* v,
                                           size_t v_stride) {
  winograd_input<Avx2Ops, WinogradF2x2>(x, h, w, c, ih0, iw0, v, v_stride);
}

void f32_winograd_f2x2_3x3_output__avx2_fma(const float* m, size_t m_stride, size_t o,
                                            const float* bias, float* y, size_t y_row_stride,
                                            size_t y_pixel_stride, size_t rows, size_t cols,
                                            float min, float max) {
  winograd_output<Avx2Ops, WinogradF2x2>(m, m_stride, o, bias, y, y_row_stride, y_pixel_stride,
                                         rows, cols, min, max);
}

void f32_winograd_f4x4_3x3_input__avx2_fma(const float* x, size_t h, size_t w, size_t c,
                                           ptrdiff_t ih0, ptrdiff_t iw0, float* v,
                                           size_t v_stride) {
  winograd_input<Avx2Ops, WinogradF4x4>(x, h, w, c, ih0, iw0, v, v_stride);
}

void f32_winograd_f4x4_3x3_output__avx2_fma(const float* m, size_t m_stride, size_t o,
                                            const float* bias, float* y, size_t y_row_stride,
                                            size_t y_pixel_stride, size_t rows, size_t cols,
                                            float min, float max) {
  winograd_output<Avx2Ops, WinogradF4x4>(m, m_stride, o, bias, y, y_row_stride, y_pixel_stride,
                                         rows, cols, min, max);
}

}  // namespace sprig::cpu
