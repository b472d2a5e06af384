#include <cstdint>
#include <limits>

#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "backends/cpu/kernels/qwinograd/qwinograd_channel.h"

namespace sprig::cpu {

bool qwinograd_exact(size_t channels) {
  const uint64_t bound = uint64_t{4} * 9 * 255 * 128 * channels;
  return bound <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
}

void qwinograd_transform_weights(const int8_t* w, size_t o, size_t c, int16_t* u) {
  const size_t padded = (c + 1) / 2 * 2;
  for (size_t n = 0; n < o; ++n) {
    for (size_t ch = 0; ch < padded; ++ch) {
      int32_t g[3][3] = {};
      if (ch < c)
        for (size_t k = 0; k < 9; ++k) g[k / 3][k % 3] = w[(n * 9 + k) * c + ch];
      int32_t t[4][3];  // G' g
      for (size_t j = 0; j < 3; ++j) {
        t[0][j] = 2 * g[0][j];
        t[1][j] = g[0][j] + g[1][j] + g[2][j];
        t[2][j] = g[0][j] - g[1][j] + g[2][j];
        t[3][j] = 2 * g[2][j];
      }
      for (size_t i = 0; i < 4; ++i) {
        const int32_t row[4] = {2 * t[i][0], t[i][0] + t[i][1] + t[i][2],
                                t[i][0] - t[i][1] + t[i][2], 2 * t[i][2]};
        for (size_t j = 0; j < 4; ++j)
          u[((i * 4 + j) * o + n) * padded + ch] = static_cast<int16_t>(row[j]);
      }
    }
  }
}

void qwinograd_input__scalar(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point,
                             ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v, size_t v_stride) {
  const QWinogradTilePixels pixels = qwinograd_tile_pixels(x, h, w, c, ih0, iw0);
  for (size_t ch = 0; ch < c; ++ch) qwinograd_input_channel(pixels, ch, zero_point, v, v_stride);
  if (c % 2 != 0)
    for (size_t xi = 0; xi < kQWinogradPositions; ++xi) v[xi * v_stride + c] = 0;
}

void qwinograd_output__scalar(const int32_t* m, size_t m_stride, size_t o, const int32_t* bias,
                              const float* multipliers, const QConvOutput& output, int8_t* y,
                              size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                              size_t cols) {
  for (size_t ch = 0; ch < o; ++ch)
    qwinograd_output_channel(m, m_stride, ch, bias, multipliers, output, y, y_row_stride,
                             y_pixel_stride, rows, cols);
}

}  // namespace sprig::cpu
