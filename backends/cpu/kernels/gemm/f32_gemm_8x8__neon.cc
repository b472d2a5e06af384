// 8x8 f32 GEMM microkernel for aarch64 NEON: 16 accumulators, A read 4 K-steps at a time per row
// and broadcast by lane (vfmaq_laneq_f32). Compiled on armv7 too, where it is empty (the 4x8
// kernel serves there).
#if defined(__aarch64__)
#include <arm_neon.h>

#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {
namespace {

// One row's two accumulators (8 columns). Rows are named variables, not arrays, so that the
// compiler keeps them in registers.
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

template <int kLane>
inline void fma_lane(Row& r, float32x4_t b0, float32x4_t b1, float32x4_t a) {
  r.lo = vfmaq_laneq_f32(r.lo, b0, a, kLane);
  r.hi = vfmaq_laneq_f32(r.hi, b1, a, kLane);
}

template <int kLane>
inline void step(const float*& b, Row& r0, Row& r1, Row& r2, Row& r3, Row& r4, Row& r5, Row& r6,
                 Row& r7, float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3,
                 float32x4_t a4, float32x4_t a5, float32x4_t a6, float32x4_t a7) {
  const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
  b += 8;
  fma_lane<kLane>(r0, b0, b1, a0);
  fma_lane<kLane>(r1, b0, b1, a1);
  fma_lane<kLane>(r2, b0, b1, a2);
  fma_lane<kLane>(r3, b0, b1, a3);
  fma_lane<kLane>(r4, b0, b1, a4);
  fma_lane<kLane>(r5, b0, b1, a5);
  fma_lane<kLane>(r6, b0, b1, a6);
  fma_lane<kLane>(r7, b0, b1, a7);
}

}  // namespace

void f32_gemm_8x8__neon(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                        const float* b, const float* bias, float* c, size_t c_stride, float min,
                        float max) {
  // Rows past mr alias the last valid one: they compute (and store) the same values.
  const float* a0 = a;
  const float* a1 = mr > 1 ? a0 + a_stride : a0;
  const float* a2 = mr > 2 ? a1 + a_stride : a1;
  const float* a3 = mr > 3 ? a2 + a_stride : a2;
  const float* a4 = mr > 4 ? a3 + a_stride : a3;
  const float* a5 = mr > 5 ? a4 + a_stride : a4;
  const float* a6 = mr > 6 ? a5 + a_stride : a5;
  const float* a7 = mr > 7 ? a6 + a_stride : a6;
  float* c0 = c;
  float* c1 = mr > 1 ? c0 + c_stride : c0;
  float* c2 = mr > 2 ? c1 + c_stride : c1;
  float* c3 = mr > 3 ? c2 + c_stride : c2;
  float* c4 = mr > 4 ? c3 + c_stride : c3;
  float* c5 = mr > 5 ? c4 + c_stride : c4;
  float* c6 = mr > 6 ? c5 + c_stride : c5;
  float* c7 = mr > 7 ? c6 + c_stride : c6;

  Row r0, r1, r2, r3, r4, r5, r6, r7;
  if (bias != nullptr) {
    r0 = Row{vld1q_f32(bias), vld1q_f32(bias + 4)};
    r1 = r2 = r3 = r4 = r5 = r6 = r7 = r0;
  } else {
    r0 = load_row(c0, nc), r1 = load_row(c1, nc), r2 = load_row(c2, nc), r3 = load_row(c3, nc);
    r4 = load_row(c4, nc), r5 = load_row(c5, nc), r6 = load_row(c6, nc), r7 = load_row(c7, nc);
  }

  size_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    const float32x4_t va0 = vld1q_f32(a0 + k), va1 = vld1q_f32(a1 + k);
    const float32x4_t va2 = vld1q_f32(a2 + k), va3 = vld1q_f32(a3 + k);
    const float32x4_t va4 = vld1q_f32(a4 + k), va5 = vld1q_f32(a5 + k);
    const float32x4_t va6 = vld1q_f32(a6 + k), va7 = vld1q_f32(a7 + k);
    step<0>(b, r0, r1, r2, r3, r4, r5, r6, r7, va0, va1, va2, va3, va4, va5, va6, va7);
    step<1>(b, r0, r1, r2, r3, r4, r5, r6, r7, va0, va1, va2, va3, va4, va5, va6, va7);
    step<2>(b, r0, r1, r2, r3, r4, r5, r6, r7, va0, va1, va2, va3, va4, va5, va6, va7);
    step<3>(b, r0, r1, r2, r3, r4, r5, r6, r7, va0, va1, va2, va3, va4, va5, va6, va7);
  }
  for (; k < kc; ++k) {
    const float32x4_t va0 = vld1q_dup_f32(a0 + k), va1 = vld1q_dup_f32(a1 + k);
    const float32x4_t va2 = vld1q_dup_f32(a2 + k), va3 = vld1q_dup_f32(a3 + k);
    const float32x4_t va4 = vld1q_dup_f32(a4 + k), va5 = vld1q_dup_f32(a5 + k);
    const float32x4_t va6 = vld1q_dup_f32(a6 + k), va7 = vld1q_dup_f32(a7 + k);
    step<0>(b, r0, r1, r2, r3, r4, r5, r6, r7, va0, va1, va2, va3, va4, va5, va6, va7);
  }

  // Last valid row stored last, over the aliased ones (which hold the same values).
  const float32x4_t vmin = vdupq_n_f32(min), vmax = vdupq_n_f32(max);
  store_row(c7, r7, nc, vmin, vmax);
  store_row(c6, r6, nc, vmin, vmax);
  store_row(c5, r5, nc, vmin, vmax);
  store_row(c4, r4, nc, vmin, vmax);
  store_row(c3, r3, nc, vmin, vmax);
  store_row(c2, r2, nc, vmin, vmax);
  store_row(c1, r1, nc, vmin, vmax);
  store_row(c0, r0, nc, vmin, vmax);
}

}  // namespace sprig::cpu
#endif  // defined(__aarch64__)
