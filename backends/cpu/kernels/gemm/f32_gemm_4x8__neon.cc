// 4x8 f32 GEMM microkernel for armv7 NEON (16 q registers): 8 accumulators, A read 2 K-steps at
// a time per row and broadcast by lane (vmlaq_lane_f32). Compiled on aarch64 too, where it is
// empty (the 8x8 kernel serves there).
#if defined(__arm__)
#include <arm_neon.h>

#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {
namespace {

// One row's two accumulators (8 columns), named rather than in arrays so that they stay in
// registers.
struct Row {
  float32x4_t lo, hi;
};

inline Row load_row(const float* c, size_t nc) {
  if (nc == 8) return Row{vld1q_f32(c), vld1q_f32(c + 4)};
  float row[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t j = 0; j < nc; ++j) row[j] = c[j];
  return Row{vld1q_f32(row), vld1q_f32(row + 4)};
}

inline void store_row(float* c, Row r, size_t nc, float32x4_t vmin, float32x4_t vmax) {
  r.lo = vminq_f32(vmaxq_f32(r.lo, vmin), vmax);
  r.hi = vminq_f32(vmaxq_f32(r.hi, vmin), vmax);
  if (nc == 8) {
    vst1q_f32(c, r.lo);
    vst1q_f32(c + 4, r.hi);
    return;
  }
  float row[8];
  vst1q_f32(row, r.lo);
  vst1q_f32(row + 4, r.hi);
  for (size_t j = 0; j < nc; ++j) c[j] = row[j];
}

inline void mla2(Row& r, float32x4_t b00, float32x4_t b01, float32x4_t b10, float32x4_t b11,
                 float32x2_t a) {
  r.lo = vmlaq_lane_f32(r.lo, b00, a, 0);
  r.hi = vmlaq_lane_f32(r.hi, b01, a, 0);
  r.lo = vmlaq_lane_f32(r.lo, b10, a, 1);
  r.hi = vmlaq_lane_f32(r.hi, b11, a, 1);
}

inline void mla1(Row& r, float32x4_t b0, float32x4_t b1, float32x4_t a) {
  r.lo = vmlaq_f32(r.lo, b0, a);
  r.hi = vmlaq_f32(r.hi, b1, a);
}

}  // namespace

void f32_gemm_4x8__neon(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                        const float* b, const float* bias, float* c, size_t c_stride, float min,
                        float max) {
  // Rows past mr alias the last valid one: they compute (and store) the same values.
  const float* a0 = a;
  const float* a1 = mr > 1 ? a0 + a_stride : a0;
  const float* a2 = mr > 2 ? a1 + a_stride : a1;
  const float* a3 = mr > 3 ? a2 + a_stride : a2;
  float* c0 = c;
  float* c1 = mr > 1 ? c0 + c_stride : c0;
  float* c2 = mr > 2 ? c1 + c_stride : c1;
  float* c3 = mr > 3 ? c2 + c_stride : c2;

  Row r0, r1, r2, r3;
  if (bias != nullptr) {
    r0 = Row{vld1q_f32(bias), vld1q_f32(bias + 4)};
    r1 = r2 = r3 = r0;
  } else {
    r0 = load_row(c0, nc), r1 = load_row(c1, nc), r2 = load_row(c2, nc), r3 = load_row(c3, nc);
  }

  size_t k = 0;
  for (; k + 2 <= kc; k += 2) {
    const float32x2_t va0 = vld1_f32(a0 + k), va1 = vld1_f32(a1 + k);
    const float32x2_t va2 = vld1_f32(a2 + k), va3 = vld1_f32(a3 + k);
    const float32x4_t b00 = vld1q_f32(b), b01 = vld1q_f32(b + 4);
    const float32x4_t b10 = vld1q_f32(b + 8), b11 = vld1q_f32(b + 12);
    b += 16;
    mla2(r0, b00, b01, b10, b11, va0);
    mla2(r1, b00, b01, b10, b11, va1);
    mla2(r2, b00, b01, b10, b11, va2);
    mla2(r3, b00, b01, b10, b11, va3);
  }
  if (k < kc) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
    mla1(r0, b0, b1, vld1q_dup_f32(a0 + k));
    mla1(r1, b0, b1, vld1q_dup_f32(a1 + k));
    mla1(r2, b0, b1, vld1q_dup_f32(a2 + k));
    mla1(r3, b0, b1, vld1q_dup_f32(a3 + k));
  }

  // Last valid row stored last, over the aliased ones (which hold the same values).
  const float32x4_t vmin = vdupq_n_f32(min), vmax = vdupq_n_f32(max);
  store_row(c3, r3, nc, vmin, vmax);
  store_row(c2, r2, nc, vmin, vmax);
  store_row(c1, r1, nc, vmin, vmax);
  store_row(c0, r0, nc, vmin, vmax);
}

}  // namespace sprig::cpu
#endif  // defined(__arm__)
