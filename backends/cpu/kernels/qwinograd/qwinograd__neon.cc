#include "backends/cpu/kernels/qwinograd/qwinograd.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "backends/cpu/kernels/qwinograd/qwinograd_channel.h"

namespace sprig::cpu {
namespace {

// V of 8 channels [ch, ch + 8) of one tile, in int16 lanes (within range: qwinograd.h).
template <size_t kSide>
void input_8_channels(const QWinogradTilePixels<kSide>& pixels, size_t ch, int16x8_t zero,
                      int16_t* v, size_t v_stride) {
  const auto add = [](int16x8_t a, int16x8_t b) { return vaddq_s16(a, b); };
  const auto sub = [](int16x8_t a, int16x8_t b) { return vsubq_s16(a, b); };
  const auto times4 = [](int16x8_t a) { return vshlq_n_s16(a, 2); };
  const auto times2 = [](int16x8_t a) { return vaddq_s16(a, a); };
  const auto bt = [&](const int16x8_t* in, int16x8_t* out) {
    if constexpr (kSide == 4) {
      qwinograd_f2x2_bt(in, out, add, sub);
    } else {
      qwinograd_f4x4_bt(in, out, add, sub, times4, times2);
    }
  };
  int16x8_t t[kSide][kSide];
  for (size_t j = 0; j < kSide; ++j) {
    int16x8_t column[kSide], out[kSide];
    for (size_t i = 0; i < kSide; ++i) {
      const int8_t* pixel = pixels.at[i * kSide + j];
      column[i] = pixel == nullptr ? vdupq_n_s16(0) : vsubq_s16(vmovl_s8(vld1_s8(pixel + ch)), zero);
    }
    bt(column, out);
    for (size_t i = 0; i < kSide; ++i) t[i][j] = out[i];
  }
  for (size_t i = 0; i < kSide; ++i) {
    int16x8_t out[kSide];
    bt(t[i], out);
    for (size_t j = 0; j < kSide; ++j) vst1q_s16(v + (i * kSide + j) * v_stride + ch, out[j]);
  }
}

template <size_t kSide>
void input_tile(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point, ptrdiff_t ih0,
                ptrdiff_t iw0, int16_t* v, size_t v_stride) {
  const auto pixels = qwinograd_tile_pixels<kSide>(x, h, w, c, ih0, iw0);
  const int16x8_t zero = vdupq_n_s16(static_cast<int16_t>(zero_point));
  size_t ch = 0;
  for (; ch + 8 <= c; ch += 8) input_8_channels(pixels, ch, zero, v, v_stride);
  for (; ch < c; ++ch) qwinograd_input_channel(pixels, ch, zero_point, v, v_stride);
  if (c % 2 != 0)
    for (size_t xi = 0; xi < kSide * kSide; ++xi) v[xi * v_stride + c] = 0;
}

// int8_requantize of 4 sums, stored as 4 bytes.
struct Requantize4 {
  explicit Requantize4(const QConvOutput& output)
      : lo(vdupq_n_f32(static_cast<float>(output.range.lo - output.zero_point))),
        hi(vdupq_n_f32(static_cast<float>(output.range.hi - output.zero_point))),
        zero(vdupq_n_s32(output.zero_point)) {}

  void store(int32x4_t sum, float32x4_t multiplier, int8_t* y) const {
    const float32x4_t scaled =
        vminq_f32(vmaxnmq_f32(vmulq_f32(vcvtq_f32_s32(sum), multiplier), lo), hi);
    const int16x4_t words = vqmovn_s32(vaddq_s32(vcvtnq_s32_f32(scaled), zero));
    const int8x8_t bytes = vqmovn_s16(vcombine_s16(words, words));
    std::memcpy(y, &bytes, 4);
  }

  float32x4_t lo, hi;
  int32x4_t zero;
};

// A'^T of F(4x4) on a column of int32 vectors (wrapping).
inline void f4x4_at(const int32x4_t m[6], int32x4_t o[4]) {
  const int32x4_t s12 = vaddq_s32(m[1], m[2]), d12 = vsubq_s32(m[1], m[2]);
  const int32x4_t s34 = vaddq_s32(m[3], m[4]), d34 = vsubq_s32(m[3], m[4]);
  o[0] = vaddq_s32(vmulq_n_s32(m[0], 6), vaddq_s32(vshlq_n_s32(s12, 2), s34));
  o[1] = vaddq_s32(vshlq_n_s32(d12, 2), vshlq_n_s32(d34, 1));
  o[2] = vshlq_n_s32(vaddq_s32(s12, s34), 2);
  o[3] = vaddq_s32(vaddq_s32(vshlq_n_s32(d12, 2), vshlq_n_s32(d34, 3)), vmulq_n_s32(m[5], 24));
}

}  // namespace

void qwinograd_f2x2_input__neon(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point,
                                ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v, size_t v_stride) {
  input_tile<4>(x, h, w, c, zero_point, ih0, iw0, v, v_stride);
}

void qwinograd_f4x4_input__neon(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point,
                                ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v, size_t v_stride) {
  input_tile<6>(x, h, w, c, zero_point, ih0, iw0, v, v_stride);
}

void qwinograd_f2x2_output__neon(const int32_t* m, size_t m_stride, size_t o, const int32_t* bias,
                                 const float* multipliers, const QConvOutput& output, int8_t* y,
                                 size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                                 size_t cols) {
  const Requantize4 requantize(output);
  size_t ch = 0;
  for (; ch + 4 <= o; ch += 4) {
    int32x4_t mm[16];
    for (size_t k = 0; k < 16; ++k) mm[k] = vld1q_s32(m + k * m_stride + ch);
    const int32x4_t b = bias ? vld1q_s32(bias + ch) : vdupq_n_s32(0);
    const float32x4_t scale = vld1q_f32(multipliers + ch);
    for (size_t r = 0; r < rows; ++r) {
      int32x4_t t[4];
      for (size_t j = 0; j < 4; ++j) {
        t[j] = r == 0 ? vaddq_s32(vaddq_s32(mm[j], mm[4 + j]), mm[8 + j])
                      : vsubq_s32(vsubq_s32(mm[4 + j], mm[8 + j]), mm[12 + j]);
      }
      const int32x4_t sums[2] = {vaddq_s32(vaddq_s32(t[0], t[1]), t[2]),
                                 vsubq_s32(vsubq_s32(t[1], t[2]), t[3])};
      for (size_t col = 0; col < cols; ++col)
        requantize.store(vaddq_s32(vshrq_n_s32(sums[col], 2), b), scale,
                         y + r * y_row_stride + col * y_pixel_stride + ch);
    }
  }
  for (; ch < o; ++ch)
    qwinograd_f2x2_output_channel(m, m_stride, ch, bias, multipliers, output, y, y_row_stride,
                                  y_pixel_stride, rows, cols);
}

void qwinograd_f4x4_output__neon(const int32_t* m, size_t m_stride, size_t o, const int32_t* bias,
                                 const float* multipliers, const QConvOutput& output, int8_t* y,
                                 size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                                 size_t cols) {
  const Requantize4 requantize(output);
  const uint32x4_t inverse_of_9 = vdupq_n_u32(0x38E38E39u);
  size_t ch = 0;
  for (; ch + 4 <= o; ch += 4) {
    int32x4_t t[4][6];
    for (size_t j = 0; j < 6; ++j) {
      int32x4_t column[6], out[4];
      for (size_t i = 0; i < 6; ++i) column[i] = vld1q_s32(m + (i * 6 + j) * m_stride + ch);
      f4x4_at(column, out);
      for (size_t i = 0; i < 4; ++i) t[i][j] = out[i];
    }
    const int32x4_t b = bias ? vld1q_s32(bias + ch) : vdupq_n_s32(0);
    const float32x4_t scale = vld1q_f32(multipliers + ch);
    for (size_t r = 0; r < rows; ++r) {
      int32x4_t z[4];
      f4x4_at(t[r], z);
      for (size_t col = 0; col < cols; ++col) {
        // qwinograd_f4x4_recover on 4 lanes.
        const uint32x4_t nine_sum = vshrq_n_u32(vreinterpretq_u32_s32(z[col]), 6);
        const int32x4_t sum = vshrq_n_s32(
            vreinterpretq_s32_u32(vshlq_n_u32(vmulq_u32(nine_sum, inverse_of_9), 6)), 6);
        requantize.store(vaddq_s32(sum, b), scale,
                         y + r * y_row_stride + col * y_pixel_stride + ch);
      }
    }
  }
  for (; ch < o; ++ch)
    qwinograd_f4x4_output_channel(m, m_stride, ch, bias, multipliers, output, y, y_row_stride,
                                  y_pixel_stride, rows, cols);
}

}  // namespace sprig::cpu

#endif  // __aarch64__
