#include "backends/cpu/kernels/qconv/qconv.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "backends/cpu/kernels/int8/int8_requantize__neon.h"
#include "backends/cpu/kernels/qconv/qconv_pack.h"

namespace sprig::cpu {
namespace {

// The 4x16 sums of one tile, bias included: c[r][q] holds columns 4q..4q+3 of row r, wrapping
// modulo 2^32.
struct Acc4x16 {
  int32x4_t c[kQConvMr][4];
};

// Adds channel pair k of row R (lanes 2R, 2R+1 of `a`) times the pair's 16 columns of weights
// (w0: columns 0-7, w1: columns 8-15; val[s]: channel 2k+s).
template <int R>
inline void multiply_add_row(Acc4x16* acc, int16x8_t a, int16x8x2_t w0, int16x8x2_t w1) {
  int32x4_t* c = acc->c[R];
  c[0] = vmlal_laneq_s16(c[0], vget_low_s16(w0.val[0]), a, 2 * R);
  c[1] = vmlal_high_laneq_s16(c[1], w0.val[0], a, 2 * R);
  c[2] = vmlal_laneq_s16(c[2], vget_low_s16(w1.val[0]), a, 2 * R);
  c[3] = vmlal_high_laneq_s16(c[3], w1.val[0], a, 2 * R);
  c[0] = vmlal_laneq_s16(c[0], vget_low_s16(w0.val[1]), a, 2 * R + 1);
  c[1] = vmlal_high_laneq_s16(c[1], w0.val[1], a, 2 * R + 1);
  c[2] = vmlal_laneq_s16(c[2], vget_low_s16(w1.val[1]), a, 2 * R + 1);
  c[3] = vmlal_high_laneq_s16(c[3], w1.val[1], a, 2 * R + 1);
}

inline Acc4x16 accumulate(size_t taps, size_t padded_channels, const int16_t* const* a,
                          const QConvPanel& p) {
  static_assert(kQConvMr == 4, "the NEON kernel is 4x16");
  Acc4x16 acc;
  for (size_t r = 0; r < kQConvMr; ++r)
    for (size_t q = 0; q < 4; ++q) acc.c[r][q] = vld1q_s32(p.bias + 4 * q);
  const size_t pairs = padded_channels / 2;
  const int16_t* w = p.weights;
  for (size_t t = 0; t < taps; ++t) {
    const int16_t* const* rows = a + t * kQConvMr;
    for (size_t k = 0; k < pairs; ++k, w += 2 * kQConvNr) {
      int32x4_t pairs_of_rows = vdupq_n_s32(0);
      int32_t v;
      std::memcpy(&v, rows[0] + 2 * k, sizeof(v));
      pairs_of_rows = vsetq_lane_s32(v, pairs_of_rows, 0);
      std::memcpy(&v, rows[1] + 2 * k, sizeof(v));
      pairs_of_rows = vsetq_lane_s32(v, pairs_of_rows, 1);
      std::memcpy(&v, rows[2] + 2 * k, sizeof(v));
      pairs_of_rows = vsetq_lane_s32(v, pairs_of_rows, 2);
      std::memcpy(&v, rows[3] + 2 * k, sizeof(v));
      pairs_of_rows = vsetq_lane_s32(v, pairs_of_rows, 3);
      const int16x8_t x = vreinterpretq_s16_s32(pairs_of_rows);
      const int16x8x2_t w0 = vld2q_s16(w);
      const int16x8x2_t w1 = vld2q_s16(w + kQConvNr);
      multiply_add_row<0>(&acc, x, w0, w1);
      multiply_add_row<1>(&acc, x, w0, w1);
      multiply_add_row<2>(&acc, x, w0, w1);
      multiply_add_row<3>(&acc, x, w0, w1);
    }
  }
  return acc;
}

}  // namespace

void qconv_4x16__neon(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                      const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                      const QConvOutput& output) {
  const QConvPanel p = qconv_panel(panel, taps, padded_channels);
  const Acc4x16 acc = accumulate(taps, padded_channels, a, p);
  for (size_t r = 0; r < rows; ++r)
    int8_requantize_store16_neon(acc.c[r], p.multipliers, output.zero_point, output.range,
                                 y + r * y_stride, columns);
}

void qgemm_4x16_i32__neon(size_t rows, size_t columns, size_t padded_channels,
                          const int16_t* const* a, const void* panel, int32_t* c,
                          size_t c_stride) {
  const Acc4x16 acc = accumulate(1, padded_channels, a, qconv_panel(panel, 1, padded_channels));
  for (size_t r = 0; r < rows; ++r) {
    int32_t values[kQConvNr];
    for (size_t q = 0; q < 4; ++q) vst1q_s32(values + 4 * q, acc.c[r][q]);
    std::memcpy(c + r * c_stride, values, columns * sizeof(int32_t));
  }
}

void qconv_widen__neon(const int8_t* x, size_t pixels, size_t channels, size_t padded_channels,
                       int32_t zero_point, int16_t* out) {
  const int16x8_t zero = vdupq_n_s16(static_cast<int16_t>(zero_point));
  for (size_t p = 0; p < pixels; ++p) {
    const int8_t* in = x + p * channels;
    int16_t* o = out + p * padded_channels;
    size_t c = 0;
    for (; c + 8 <= channels; c += 8) vst1q_s16(o + c, vsubq_s16(vmovl_s8(vld1_s8(in + c)), zero));
    for (; c < channels; ++c) o[c] = static_cast<int16_t>(in[c] - zero_point);
    for (; c < padded_channels; ++c) o[c] = 0;
  }
}

}  // namespace sprig::cpu

#endif  // __aarch64__
