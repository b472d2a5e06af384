// int8_requantize (runtime/core/int8_arith.h) on 16 int32 sums of one row with NEON (aarch64),
// with the same float operations, so the bytes match the rule. For NEON translation units only.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

// Requantizes sums[q] (columns 4q..4q+3) with multipliers[0..16) and stores `columns` (<= 16)
// bytes at y.
inline void int8_requantize_store16_neon(const int32x4_t sums[4], const float* multipliers,
                                         int32_t zero_point, Int8Range range, int8_t* y,
                                         size_t columns) {
  const float32x4_t lo = vdupq_n_f32(static_cast<float>(range.lo - zero_point));
  const float32x4_t hi = vdupq_n_f32(static_cast<float>(range.hi - zero_point));
  const int32x4_t zero = vdupq_n_s32(zero_point);
  int16x4_t words[4];
  for (size_t q = 0; q < 4; ++q) {
    const float32x4_t scaled = vminq_f32(
        vmaxnmq_f32(vmulq_f32(vcvtq_f32_s32(sums[q]), vld1q_f32(multipliers + 4 * q)), lo), hi);
    words[q] = vqmovn_s32(vaddq_s32(vcvtnq_s32_f32(scaled), zero));
  }
  const int8x16_t bytes = vcombine_s8(vqmovn_s16(vcombine_s16(words[0], words[1])),
                                      vqmovn_s16(vcombine_s16(words[2], words[3])));
  if (columns == 16) {
    vst1q_s8(y, bytes);
  } else {
    int8_t part[16];
    vst1q_s8(part, bytes);
    std::memcpy(y, part, columns);
  }
}

}  // namespace sprig::cpu
