// The int8 GEMM in the dot-product form (qconv.h) with the Armv8.2 dot product (sdot by lane):
// 16 sdot per 4 channels of a 4x16 tile. Compiled for aarch64 with +dotprod, picked at run time
// when the CPU has it.
#include "backends/cpu/kernels/qconv/qconv.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "backends/cpu/kernels/int8/int8_requantize__neon.h"
#include "backends/cpu/kernels/qconv/qconv_pack.h"

namespace sprig::cpu {
namespace {

template <int R>
inline void dot_row(int32x4_t c[4], const int8x16_t w[4], int8x16_t x) {
  c[0] = vdotq_laneq_s32(c[0], w[0], x, R);
  c[1] = vdotq_laneq_s32(c[1], w[1], x, R);
  c[2] = vdotq_laneq_s32(c[2], w[2], x, R);
  c[3] = vdotq_laneq_s32(c[3], w[3], x, R);
}

}  // namespace

void qconv_dot_4x16__neondot(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                             const int8_t* const* a, const void* panel, int8_t* y,
                             size_t y_stride, const QConvOutput& output) {
  static_assert(kQConvMr == 4, "the dot kernel is 4x16");
  const auto p = qconv_dot_panel(panel, taps, padded_channels);
  const int8_t* w = p.weights;
  int32x4_t acc[kQConvMr][4];
  for (size_t r = 0; r < kQConvMr; ++r)
    for (size_t q = 0; q < 4; ++q) acc[r][q] = vld1q_s32(p.bias + 4 * q);
  const size_t quads = padded_channels / 4;
  for (size_t t = 0; t < taps; ++t) {
    const int8_t* const* row = a + t * kQConvMr;
    for (size_t k = 0; k < quads; ++k, w += 4 * kQConvNr) {
      int32_t v[kQConvMr];
      for (size_t r = 0; r < kQConvMr; ++r) std::memcpy(&v[r], row[r] + 4 * k, sizeof(int32_t));
      const int8x16_t x = vreinterpretq_s8_s32(vld1q_s32(v));
      const int8x16_t weights[4] = {vld1q_s8(w), vld1q_s8(w + 16), vld1q_s8(w + 32),
                                    vld1q_s8(w + 48)};
      dot_row<0>(acc[0], weights, x);
      dot_row<1>(acc[1], weights, x);
      dot_row<2>(acc[2], weights, x);
      dot_row<3>(acc[3], weights, x);
    }
  }
  for (size_t r = 0; r < rows; ++r)
    int8_requantize_store16_neon(acc[r], p.multipliers, output.zero_point, output.range,
                                 y + r * y_stride, columns);
}

}  // namespace sprig::cpu

#endif  // __aarch64__
