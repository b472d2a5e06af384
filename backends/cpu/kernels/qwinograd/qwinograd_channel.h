// One channel of the int8 Winograd transforms (qwinograd.h): the scalar kernels, and the SIMD
// kernels' channel tails.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

// The input_tile x input_tile pixels of a tile, row-major: null outside the image.
template <size_t kSide>
struct QWinogradTilePixels {
  const int8_t* at[kSide * kSide];
};

template <size_t kSide>
QWinogradTilePixels<kSide> qwinograd_tile_pixels(const int8_t* x, size_t h, size_t w, size_t c,
                                                  ptrdiff_t ih0, ptrdiff_t iw0) {
  QWinogradTilePixels<kSide> p;
  for (size_t i = 0; i < kSide; ++i) {
    for (size_t j = 0; j < kSide; ++j) {
      const ptrdiff_t ih = ih0 + static_cast<ptrdiff_t>(i), iw = iw0 + static_cast<ptrdiff_t>(j);
      const bool inside = ih >= 0 && iw >= 0 && ih < static_cast<ptrdiff_t>(h) &&
                          iw < static_cast<ptrdiff_t>(w);
      p.at[i * kSide + j] =
          inside ? x + (static_cast<size_t>(ih) * w + static_cast<size_t>(iw)) * c : nullptr;
    }
  }
  return p;
}

// B^T of F(2x2) on a column d[0..3] (any arithmetic type).
template <typename T, typename Add, typename Sub>
inline void qwinograd_f2x2_bt(const T d[4], T r[4], Add add, Sub sub) {
  r[0] = sub(d[0], d[2]);
  r[1] = add(d[1], d[2]);
  r[2] = sub(d[2], d[1]);
  r[3] = sub(d[1], d[3]);
}

// B^T of F(4x4) on a column d[0..5]; times4 / times2 multiply by 4 and 2.
template <typename T, typename Add, typename Sub, typename Times4, typename Times2>
inline void qwinograd_f4x4_bt(const T d[6], T r[6], Add add, Sub sub, Times4 times4,
                              Times2 times2) {
  const T d2_4 = times4(d[2]), d3_4 = times4(d[3]);
  r[0] = add(sub(times4(d[0]), add(d2_4, d[2])), d[4]);          // 4 d0 - 5 d2 + d4
  r[1] = sub(add(d[3], d[4]), times4(add(d[1], d[2])));          // -4 d1 - 4 d2 + d3 + d4
  r[2] = add(times4(sub(d[1], d[2])), sub(d[4], d[3]));          // 4 d1 - 4 d2 - d3 + d4
  r[3] = add(times2(sub(d[3], d[1])), sub(d[4], d[2]));          // -2 d1 - d2 + 2 d3 + d4
  r[4] = add(times2(sub(d[1], d[3])), sub(d[4], d[2]));          // 2 d1 - d2 - 2 d3 + d4
  r[5] = add(sub(times4(d[1]), add(d3_4, d[3])), d[5]);          // 4 d1 - 5 d3 + d5
}

// A'^T of F(4x4) (qwinograd.h) on a column m[0..5], as uint32 (wrapping).
inline void qwinograd_f4x4_at(const uint32_t m[6], uint32_t o[4]) {
  const uint32_t s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
  o[0] = 6 * m[0] + 4 * s12 + s34;
  o[1] = 4 * d12 + 2 * d34;
  o[2] = 4 * s12 + 4 * s34;
  o[3] = 4 * d12 + 8 * d34 + 24 * m[5];
}

// 576 x sum (mod 2^32) -> sum, for |sum| < 2^25.
inline int32_t qwinograd_f4x4_recover(uint32_t z) {
  constexpr uint32_t kInverseOf9 = 0x38E38E39u;  // 9 * kInverseOf9 = 1 mod 2^32
  return static_cast<int32_t>(((z >> 6) * kInverseOf9) << 6) >> 6;
}

template <size_t kSide>
inline void qwinograd_input_channel(const QWinogradTilePixels<kSide>& p, size_t ch,
                                    int32_t zero_point, int16_t* v, size_t v_stride) {
  const auto add = [](int32_t a, int32_t b) { return a + b; };
  const auto sub = [](int32_t a, int32_t b) { return a - b; };
  const auto times4 = [](int32_t a) { return 4 * a; };
  const auto times2 = [](int32_t a) { return 2 * a; };
  const auto bt = [&](const int32_t* in, int32_t* out) {
    if constexpr (kSide == 4) {
      qwinograd_f2x2_bt(in, out, add, sub);
    } else {
      qwinograd_f4x4_bt(in, out, add, sub, times4, times2);
    }
  };
  int32_t t[kSide][kSide];  // t = B^T d, by columns
  for (size_t j = 0; j < kSide; ++j) {
    int32_t column[kSide], out[kSide];
    for (size_t i = 0; i < kSide; ++i) {
      const int8_t* pixel = p.at[i * kSide + j];
      column[i] = pixel ? pixel[ch] - zero_point : 0;
    }
    bt(column, out);
    for (size_t i = 0; i < kSide; ++i) t[i][j] = out[i];
  }
  for (size_t i = 0; i < kSide; ++i) {  // V = t B: B^T on each row
    int32_t out[kSide];
    bt(t[i], out);
    for (size_t j = 0; j < kSide; ++j)
      v[(i * kSide + j) * v_stride + ch] = static_cast<int16_t>(out[j]);
  }
}

inline void qwinograd_f2x2_output_channel(const int32_t* m, size_t m_stride, size_t ch,
                                          const int32_t* bias, const float* multipliers,
                                          const QConvOutput& output, int8_t* y,
                                          size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                                          size_t cols) {
  // Modulo 2^32 until the end, where the sum is exact.
  uint32_t mm[4][4], t[2][4];
  for (size_t k = 0; k < 16; ++k) mm[k / 4][k % 4] = static_cast<uint32_t>(m[k * m_stride + ch]);
  for (size_t j = 0; j < 4; ++j) {
    t[0][j] = mm[0][j] + mm[1][j] + mm[2][j];
    t[1][j] = mm[1][j] - mm[2][j] - mm[3][j];
  }
  const uint32_t b = bias ? static_cast<uint32_t>(bias[ch]) : 0;
  for (size_t r = 0; r < rows; ++r) {
    const uint32_t yy[2] = {t[r][0] + t[r][1] + t[r][2], t[r][1] - t[r][2] - t[r][3]};
    for (size_t col = 0; col < cols; ++col) {
      const int32_t acc = static_cast<int32_t>((static_cast<int32_t>(yy[col]) >> 2) + b);
      y[r * y_row_stride + col * y_pixel_stride + ch] =
          int8_requantize(acc, multipliers[ch], output.zero_point, output.range);
    }
  }
}

inline void qwinograd_f4x4_output_channel(const int32_t* m, size_t m_stride, size_t ch,
                                          const int32_t* bias, const float* multipliers,
                                          const QConvOutput& output, int8_t* y,
                                          size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                                          size_t cols) {
  uint32_t t[4][6];  // A'^T M', by columns
  for (size_t j = 0; j < 6; ++j) {
    uint32_t column[6], out[4];
    for (size_t i = 0; i < 6; ++i) column[i] = static_cast<uint32_t>(m[(i * 6 + j) * m_stride + ch]);
    qwinograd_f4x4_at(column, out);
    for (size_t i = 0; i < 4; ++i) t[i][j] = out[i];
  }
  const uint32_t b = bias ? static_cast<uint32_t>(bias[ch]) : 0;
  for (size_t r = 0; r < rows; ++r) {
    uint32_t z[4];
    qwinograd_f4x4_at(t[r], z);
    for (size_t col = 0; col < cols; ++col) {
      const int32_t acc =
          static_cast<int32_t>(static_cast<uint32_t>(qwinograd_f4x4_recover(z[col])) + b);
      y[r * y_row_stride + col * y_pixel_stride + ch] =
          int8_requantize(acc, multipliers[ch], output.zero_point, output.range);
    }
  }
}

}  // namespace sprig::cpu
