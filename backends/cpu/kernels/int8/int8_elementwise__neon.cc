#include "backends/cpu/kernels/int8/int8_elementwise.h"

#if defined(__aarch64__)
#include <arm_neon.h>

namespace sprig::cpu {
namespace {

// 8 int8 values minus a zero point, as two float vectors.
void load8_as_f32(const int8_t* p, int32x4_t zero_point, float32x4_t* low, float32x4_t* high) {
  const int16x8_t wide = vmovl_s8(vld1_s8(p));
  *low = vcvtq_f32_s32(vsubq_s32(vmovl_s16(vget_low_s16(wide)), zero_point));
  *high = vcvtq_f32_s32(vsubq_s32(vmovl_s16(vget_high_s16(wide)), zero_point));
}

// int8_round on 8 lanes: clamp (maxNum takes lo over NaN), round to nearest even, add the zero
// point, store.
void round_store8(float32x4_t low, float32x4_t high, float32x4_t lo, float32x4_t hi,
                  int32x4_t zero_point, int8_t* y) {
  low = vminq_f32(vmaxnmq_f32(low, lo), hi);
  high = vminq_f32(vmaxnmq_f32(high, lo), hi);
  const int32x4_t q0 = vaddq_s32(vcvtnq_s32_f32(low), zero_point);
  const int32x4_t q1 = vaddq_s32(vcvtnq_s32_f32(high), zero_point);
  vst1_s8(y, vqmovn_s16(vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1))));
}

}  // namespace

void int8_add__neon(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                    const Int8AddParams& p) {
  const int32x4_t za = vdupq_n_s32(p.a_zero_point), zb = vdupq_n_s32(p.b_zero_point);
  const int32x4_t zy = vdupq_n_s32(p.y_zero_point);
  const float32x4_t lo = vdupq_n_f32(static_cast<float>(p.range.lo - p.y_zero_point));
  const float32x4_t hi = vdupq_n_f32(static_cast<float>(p.range.hi - p.y_zero_point));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t a0, a1, b0, b1;
    load8_as_f32(a + i, za, &a0, &a1);
    load8_as_f32(b + i, zb, &b0, &b1);
    const float32x4_t s0 = vfmaq_n_f32(vmulq_n_f32(a0, p.a_multiplier), b0, p.b_multiplier);
    const float32x4_t s1 = vfmaq_n_f32(vmulq_n_f32(a1, p.a_multiplier), b1, p.b_multiplier);
    round_store8(s0, s1, lo, hi, zy, y + i);
  }
  int8_add__scalar(a + i, b + i, y + i, n - i, p);
}

void int8_quantize__neon(const float* x, int8_t* y, size_t n, float inverse_scale,
                         int32_t zero_point) {
  const int32x4_t zy = vdupq_n_s32(zero_point);
  const float32x4_t lo = vdupq_n_f32(static_cast<float>(-128 - zero_point));
  const float32x4_t hi = vdupq_n_f32(static_cast<float>(127 - zero_point));
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    round_store8(vmulq_n_f32(vld1q_f32(x + i), inverse_scale),
                 vmulq_n_f32(vld1q_f32(x + i + 4), inverse_scale), lo, hi, zy, y + i);
  int8_quantize__scalar(x + i, y + i, n - i, inverse_scale, zero_point);
}

void int8_dequantize__neon(const int8_t* x, float* y, size_t n, float scale, int32_t zero_point) {
  const int32x4_t zx = vdupq_n_s32(zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t low, high;
    load8_as_f32(x + i, zx, &low, &high);
    vst1q_f32(y + i, vmulq_n_f32(low, scale));
    vst1q_f32(y + i + 4, vmulq_n_f32(high, scale));
  }
  int8_dequantize__scalar(x + i, y + i, n - i, scale, zero_point);
}

}  // namespace sprig::cpu
#endif  // __aarch64__
