// Four floats in a NEON register: the vector operations every *_impl.h kernel template uses (see
// simd_scalar.h for the contract of each). Include only from *__neon.cc files (aarch64, or armv7
// built with -mfpu=neon-vfpv4).
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "runtime/core/tensor.h"

namespace sprig::cpu::simd {

struct Neon {
  using V = float32x4_t;
  static constexpr size_t kLanes = 4;

  static V load(const float* p) { return vld1q_f32(p); }
  static V load_f16(const uint16_t* p) {
#if defined(__aarch64__)
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
#else
    const float lanes[4] = {f16_to_f32(p[0]), f16_to_f32(p[1]), f16_to_f32(p[2]), f16_to_f32(p[3])};
    return vld1q_f32(lanes);
#endif
  }
  static void store(float* p, V v) { vst1q_f32(p, v); }
  static V load_partial(const float* p, size_t n) {
    float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (size_t i = 0; i < n; ++i) tmp[i] = p[i];
    return vld1q_f32(tmp);
  }
  static void store_partial(float* p, V v, size_t n) {
    if (n & 2) {
      vst1_f32(p, vget_low_f32(v));
      p += 2;
      v = vcombine_f32(vget_high_f32(v), vget_high_f32(v));
    }
    if (n & 1) vst1q_lane_f32(p, v, 0);
  }
  static V set1(float x) { return vdupq_n_f32(x); }
  static V zero() { return vdupq_n_f32(0.0f); }

  static V add(V a, V b) { return vaddq_f32(a, b); }
  static V sub(V a, V b) { return vsubq_f32(a, b); }
  static V mul(V a, V b) { return vmulq_f32(a, b); }
  static V div(V a, V b) {
#if defined(__aarch64__)
    return vdivq_f32(a, b);
#else
    // Reciprocal estimate and two Newton-Raphson steps (about 1 ulp), then one more on the
    // quotient.
    V r = vrecpeq_f32(b);
    r = vmulq_f32(r, vrecpsq_f32(b, r));
    r = vmulq_f32(r, vrecpsq_f32(b, r));
    const V q = vmulq_f32(a, r);
    return vfmaq_f32(q, r, vfmsq_f32(a, q, b));
#endif
  }
  static V fma(V a, V b, V c) { return vfmaq_f32(c, a, b); }
  // The 8-bit estimate and two Newton-Raphson steps.
  static V recip(V d) {
    V r = vrecpeq_f32(d);
    r = vmulq_f32(r, vrecpsq_f32(d, r));
    return vmulq_f32(r, vrecpsq_f32(d, r));
  }
  // FMAX/FMIN (and VMAX/VMIN on armv7) return NaN when either input is NaN.
  static V max_keep_nan(V lo, V x) { return vmaxq_f32(lo, x); }
  static V min_keep_nan(V hi, V x) { return vminq_f32(hi, x); }
  static V max_sticky_nan(V acc, V v) { return vmaxq_f32(acc, v); }
  static V abs(V x) { return vabsq_f32(x); }
  static V neg(V x) { return vnegq_f32(x); }
  static V select_sign(V x, V a, V b) {
    const uint32x4_t negative = vreinterpretq_u32_s32(vshrq_n_s32(vreinterpretq_s32_f32(x), 31));
    return vbslq_f32(negative, a, b);
  }
  static V copy_sign(V mag, V s) {
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    return vreinterpretq_f32_u32(
        vorrq_u32(vreinterpretq_u32_f32(mag), vandq_u32(sign, vreinterpretq_u32_f32(s))));
  }
  static V shl23(V x) { return vreinterpretq_f32_s32(vshlq_n_s32(vreinterpretq_s32_f32(x), 23)); }
  static float reduce_add(V v) {
#if defined(__aarch64__)
    return vaddvq_f32(v);
#else
    const float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(vpadd_f32(s, s), 0);
#endif
  }
  static float reduce_max(V v) {
#if defined(__aarch64__)
    return vmaxvq_f32(v);
#else
    const float32x2_t m = vmax_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(vpmax_f32(m, m), 0);
#endif
  }
};

}  // namespace sprig::cpu::simd
