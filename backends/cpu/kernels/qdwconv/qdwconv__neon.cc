#include "backends/cpu/kernels/qdwconv/qdwconv.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

namespace sprig::cpu {
namespace {

// Channels [c0, c0 + count) of one input pixel minus the zero point (0 for a padding tap; lanes
// past count meet zero weights), in the packed weights' order: first channels 0-3 and 8-11, then
// 4-7 and 12-15.
inline int16x8x2_t load_widened(const int8_t* pixel, size_t c0, size_t count, int16x8_t zero) {
  if (pixel == nullptr) return {{vdupq_n_s16(0), vdupq_n_s16(0)}};
  int8x16_t bytes;
  if (count == kQDwConvBlock) {
    bytes = vld1q_s8(pixel + c0);
  } else {
    int8_t part[kQDwConvBlock] = {};
    std::memcpy(part, pixel + c0, count);
    bytes = vld1q_s8(part);
  }
  const int16x8_t low = vsubq_s16(vmovl_s8(vget_low_s8(bytes)), zero);    // channels 0-7
  const int16x8_t high = vsubq_s16(vmovl_high_s8(bytes), zero);            // channels 8-15
  return {{vcombine_s16(vget_low_s16(low), vget_low_s16(high)),
           vcombine_s16(vget_high_s16(low), vget_high_s16(high))}};
}

}  // namespace

void qdwconv__neon(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                   const void* packed, int8_t* y, const QConvOutput& output) {
  const size_t pairs = (taps + 1) / 2;
  const size_t block_bytes = qdwconv_block_bytes(taps);
  const int16x8_t zero = vdupq_n_s16(static_cast<int16_t>(x_zero));
  const float32x4_t lo = vdupq_n_f32(static_cast<float>(output.range.lo - output.zero_point));
  const float32x4_t hi = vdupq_n_f32(static_cast<float>(output.range.hi - output.zero_point));
  const int32x4_t zero_point = vdupq_n_s32(output.zero_point);
  const uint8_t* block = static_cast<const uint8_t*>(packed);
  for (size_t c0 = 0; c0 < channels; c0 += kQDwConvBlock, block += block_bytes) {
    const size_t count = channels - c0 < kQDwConvBlock ? channels - c0 : kQDwConvBlock;
    const int16_t* w = reinterpret_cast<const int16_t*>(block);
    // acc[0..3]: channels 0-3, 8-11, 4-7, 12-15.
    int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
    for (size_t p = 0; p < pairs; ++p, w += 32) {
      const int16x8x2_t w_first = vld2q_s16(w);        // taps 2p, 2p+1 of channels 0-3, 8-11
      const int16x8x2_t w_second = vld2q_s16(w + 16);  // the same of channels 4-7, 12-15
      for (size_t s = 0; s < 2 && 2 * p + s < taps; ++s) {
        const int16x8x2_t v = load_widened(x[2 * p + s], c0, count, zero);
        acc[0] = vmlal_s16(acc[0], vget_low_s16(v.val[0]), vget_low_s16(w_first.val[s]));
        acc[1] = vmlal_high_s16(acc[1], v.val[0], w_first.val[s]);
        acc[2] = vmlal_s16(acc[2], vget_low_s16(v.val[1]), vget_low_s16(w_second.val[s]));
        acc[3] = vmlal_high_s16(acc[3], v.val[1], w_second.val[s]);
      }
    }
    const int32_t* bias = reinterpret_cast<const int32_t*>(w);
    const float* multipliers = reinterpret_cast<const float*>(bias + kQDwConvBlock);
    const int32x4_t ordered[4] = {acc[0], acc[2], acc[1], acc[3]};
    int16x4_t words[4];
    for (size_t q = 0; q < 4; ++q) {
      const int32x4_t sum = vaddq_s32(ordered[q], vld1q_s32(bias + 4 * q));
      const float32x4_t scaled = vminq_f32(
          vmaxnmq_f32(vmulq_f32(vcvtq_f32_s32(sum), vld1q_f32(multipliers + 4 * q)), lo), hi);
      words[q] = vqmovn_s32(vaddq_s32(vcvtnq_s32_f32(scaled), zero_point));
    }
    const int8x16_t bytes = vcombine_s8(vqmovn_s16(vcombine_s16(words[0], words[1])),
                                        vqmovn_s16(vcombine_s16(words[2], words[3])));
    if (count == kQDwConvBlock) {
      vst1q_s8(y + c0, bytes);
    } else {
      int8_t part[kQDwConvBlock];
      vst1q_s8(part, bytes);
      std::memcpy(y + c0, part, count);
    }
  }
}

}  // namespace sprig::cpu

#endif  // __aarch64__
