// Winograd F(2x2, 3x3) and F(4x4, 3x3) transforms with NEON, 4 channels per vector (one channel at
// a time for the last c % 4). Compiled for aarch64 and armv7 (NEON + VFPv4).
#if defined(__aarch64__) || defined(__arm__)
#include <arm_neon.h>

#include "backends/cpu/kernels/winograd/winograd.h"
#include "backends/cpu/kernels/winograd/winograd_transforms.h"

namespace sprig::cpu {
namespace {

struct NeonOps {
  using V = float32x4_t;
  static constexpr size_t kLanes = 4;
  static V load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, V v) { vst1q_f32(p, v); }
  static V zero() { return vdupq_n_f32(0.0f); }
  static V splat(float f) { return vdupq_n_f32(f); }
  static V add(V a, V b) { return vaddq_f32(a, b); }
  static V sub(V a, V b) { return vsubq_f32(a, b); }
  static V madd(V a, float k, V b) { return vmlaq_n_f32(b, a, k); }
  static V clamp(V v, V lo, V hi) { return vminq_f32(vmaxq_f32(v, lo), hi); }
};

}  // namespace

void f32_winograd_f2x2_3x3_input__neon(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                                       ptrdiff_t iw0, float* v, size_t v_stride) {
  winograd_input<NeonOps, WinogradF2x2>(x, h, w, c, ih0, iw0, v, v_stride);
}

void f32_winograd_f2x2_3x3_output__neon(const float* m, size_t m_stride, size_t o,
                                        const float* bias, float* y, size_t y_row_stride,
                                        size_t y_pixel_stride, size_t rows, size_t cols, float min,
                                        float max) {
  winograd_output<NeonOps, WinogradF2x2>(m, m_stride, o, bias, y, y_row_stride, y_pixel_stride,
                                         rows, cols, min, max);
}

void f32_winograd_f4x4_3x3_input__neon(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                                       ptrdiff_t iw0, float* v, size_t v_stride) {
  winograd_input<NeonOps, WinogradF4x4>(x, h, w, c, ih0, iw0, v, v_stride);
}

void f32_winograd_f4x4_3x3_output__neon(const float* m, size_t m_stride, size_t o,
                                        const float* bias, float* y, size_t y_row_stride,
                                        size_t y_pixel_stride, size_t rows, size_t cols, float min,
                                        float max) {
  winograd_output<NeonOps, WinogradF4x4>(m, m_stride, o, bias, y, y_row_stride, y_pixel_stride,
                                         rows, cols, min, max);
}

}  // namespace sprig::cpu
#endif  // defined(__aarch64__) || defined(__arm__)
