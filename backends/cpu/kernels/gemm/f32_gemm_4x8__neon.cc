// 4x8 f32 GEMM microkernel for armv7 NEON (16 q registers): 8 accumulators, A read 2 K-steps at
// a time per row and broadcast by lane (vmlaq_lane_f32). Compiled on aarch64 too, where it is
// empty (the 8x8 kernel serves there).
#if defined(__arm__)
#include <arm_neon.h>

#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {

void f32_gemm_4x8__neon(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                        const float* b, const float* bias, float* c, size_t c_stride, float min,
                        float max) {
  constexpr size_t kMr = 4;
  const float* ap[kMr];
  float* cp[kMr];
  for (size_t i = 0; i < kMr; ++i) {
    const size_t row = i < mr ? i : mr - 1;  // rows past mr alias the last valid one
    ap[i] = a + row * a_stride;
    cp[i] = c + row * c_stride;
  }
  float32x4_t acc[kMr][2];
  if (bias != nullptr) {
    const float32x4_t b0 = vld1q_f32(bias), b1 = vld1q_f32(bias + 4);
    for (size_t i = 0; i < kMr; ++i) acc[i][0] = b0, acc[i][1] = b1;
  } else {
    for (size_t i = 0; i < kMr; ++i) {
      float row[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (size_t j = 0; j < nc; ++j) row[j] = cp[i][j];
      acc[i][0] = vld1q_f32(row);
      acc[i][1] = vld1q_f32(row + 4);
    }
  }

  size_t k = 0;
  for (; k + 2 <= kc; k += 2) {
    float32x2_t va[kMr];
    for (size_t i = 0; i < kMr; ++i) va[i] = vld1_f32(ap[i] + k);
    const float32x4_t b00 = vld1q_f32(b), b01 = vld1q_f32(b + 4);
    const float32x4_t b10 = vld1q_f32(b + 8), b11 = vld1q_f32(b + 12);
    b += 16;
    for (size_t i = 0; i < kMr; ++i) {
      acc[i][0] = vmlaq_lane_f32(acc[i][0], b00, va[i], 0);
      acc[i][1] = vmlaq_lane_f32(acc[i][1], b01, va[i], 0);
      acc[i][0] = vmlaq_lane_f32(acc[i][0], b10, va[i], 1);
      acc[i][1] = vmlaq_lane_f32(acc[i][1], b11, va[i], 1);
    }
  }
  if (k < kc) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
    for (size_t i = 0; i < kMr; ++i) {
      const float32x4_t va = vld1q_dup_f32(ap[i] + k);
      acc[i][0] = vmlaq_f32(acc[i][0], b0, va);
      acc[i][1] = vmlaq_f32(acc[i][1], b1, va);
    }
  }

  const float32x4_t vmin = vdupq_n_f32(min), vmax = vdupq_n_f32(max);
  for (size_t r = kMr; r-- > 0;) {
    const float32x4_t v0 = vminq_f32(vmaxq_f32(acc[r][0], vmin), vmax);
    const float32x4_t v1 = vminq_f32(vmaxq_f32(acc[r][1], vmin), vmax);
    if (nc == 8) {
      vst1q_f32(cp[r], v0);
      vst1q_f32(cp[r] + 4, v1);
    } else {
      float row[8];
      vst1q_f32(row, v0);
      vst1q_f32(row + 4, v1);
      for (size_t j = 0; j < nc; ++j) cp[r][j] = row[j];
    }
  }
}

}  // namespace sprig::cpu
#endif  // defined(__arm__)
