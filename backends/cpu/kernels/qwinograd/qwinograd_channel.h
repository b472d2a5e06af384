// One channel of the int8 Winograd transforms (qwinograd.h): the scalar kernels, and the SIMD
// kernels' channel tails.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

// The 16 input pixels of a tile, row-major: null outside the image.
struct QWinogradTilePixels {
  const int8_t* at[16];
};

inline QWinogradTilePixels qwinograd_tile_pixels(const int8_t* x, size_t h, size_t w, size_t c,
                                                 ptrdiff_t ih0, ptrdiff_t iw0) {
  QWinogradTilePixels p;
  for (ptrdiff_t i = 0; i < 4; ++i) {
    for (ptrdiff_t j = 0; j < 4; ++j) {
      const ptrdiff_t ih = ih0 + i, iw = iw0 + j;
      const bool inside = ih >= 0 && iw >= 0 && ih < static_cast<ptrdiff_t>(h) &&
                          iw < static_cast<ptrdiff_t>(w);
      p.at[i * 4 + j] = inside ? x + (static_cast<size_t>(ih) * w + static_cast<size_t>(iw)) * c
                               : nullptr;
    }
  }
  return p;
}

inline void qwinograd_input_channel(const QWinogradTilePixels& p, size_t ch, int32_t zero_point,
                                    int16_t* v, size_t v_stride) {
  int32_t d[4][4], t[4][4];
  for (size_t k = 0; k < 16; ++k) d[k / 4][k % 4] = p.at[k] ? p.at[k][ch] - zero_point : 0;
  for (size_t j = 0; j < 4; ++j) {
    t[0][j] = d[0][j] - d[2][j];
    t[1][j] = d[1][j] + d[2][j];
    t[2][j] = d[2][j] - d[1][j];
    t[3][j] = d[1][j] - d[3][j];
  }
  for (size_t i = 0; i < 4; ++i) {
    v[(i * 4 + 0) * v_stride + ch] = static_cast<int16_t>(t[i][0] - t[i][2]);
    v[(i * 4 + 1) * v_stride + ch] = static_cast<int16_t>(t[i][1] + t[i][2]);
    v[(i * 4 + 2) * v_stride + ch] = static_cast<int16_t>(t[i][2] - t[i][1]);
    v[(i * 4 + 3) * v_stride + ch] = static_cast<int16_t>(t[i][1] - t[i][3]);
  }
}

inline void qwinograd_output_channel(const int32_t* m, size_t m_stride, size_t ch,
                                     const int32_t* bias, const float* multipliers,
                                     const QConvOutput& output, int8_t* y, size_t y_row_stride,
                                     size_t y_pixel_stride, size_t rows, size_t cols) {
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

}  // namespace sprig::cpu
