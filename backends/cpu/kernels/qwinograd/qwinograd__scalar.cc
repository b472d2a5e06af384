#include <cstdint>
#include <cstdlib>
#include <limits>

#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "backends/cpu/kernels/qwinograd/qwinograd_channel.h"

namespace sprig::cpu {
namespace {

// G' of the tile on a kernel column g[0..2] (qwinograd.h).
void apply_g(QWinogradTile tile, const int32_t g[3], int32_t* r) {
  if (tile == QWinogradTile::kF2x2) {
    r[0] = 2 * g[0];
    r[1] = g[0] + g[1] + g[2];
    r[2] = g[0] - g[1] + g[2];
    r[3] = 2 * g[2];
  } else {
    r[0] = g[0];
    r[1] = -(g[0] + g[1] + g[2]);
    r[2] = -(g[0] - g[1] + g[2]);
    r[3] = g[0] + 2 * g[1] + 4 * g[2];
    r[4] = g[0] - 2 * g[1] + 4 * g[2];
    r[5] = g[2];
  }
}

}  // namespace

bool qwinograd_exact(size_t channels) {
  const uint64_t bound = uint64_t{4} * 9 * 255 * 128 * channels;
  return bound <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
}

bool qwinograd_f4x4_exact(const int8_t* w, size_t o, size_t c) {
  for (size_t n = 0; n < o; ++n) {
    uint64_t sum = 0;
    for (size_t k = 0; k < 9 * c; ++k) sum += static_cast<uint64_t>(std::abs(w[n * 9 * c + k]));
    if (sum * 255 >= (uint64_t{1} << 25)) return false;
  }
  return true;
}

void qwinograd_transform_weights(QWinogradTile tile, const int8_t* w, size_t o, size_t c,
                                 int16_t* u) {
  const size_t side = qwinograd_shape(tile).input_tile;
  const size_t padded = (c + 1) / 2 * 2;
  for (size_t n = 0; n < o; ++n) {
    for (size_t ch = 0; ch < padded; ++ch) {
      int32_t g[3][3] = {};
      if (ch < c)
        for (size_t k = 0; k < 9; ++k) g[k / 3][k % 3] = w[(n * 9 + k) * c + ch];
      int32_t t[6][3];  // G' g, by kernel columns
      for (size_t j = 0; j < 3; ++j) {
        const int32_t column[3] = {g[0][j], g[1][j], g[2][j]};
        int32_t out[6] = {};
        apply_g(tile, column, out);
        for (size_t i = 0; i < side; ++i) t[i][j] = out[i];
      }
      for (size_t i = 0; i < side; ++i) {  // (G' g) G'^T: G' on each row
        int32_t row[6] = {};
        apply_g(tile, t[i], row);
        for (size_t j = 0; j < side; ++j)
          u[((i * side + j) * o + n) * padded + ch] = static_cast<int16_t>(row[j]);
      }
    }
  }
}

#define SPRIG_QWINOGRAD_SCALAR(tile, side)                                                     \
  void qwinograd_##tile##_input__scalar(const int8_t* x, size_t h, size_t w, size_t c,         \
                                        int32_t zero_point, ptrdiff_t ih0, ptrdiff_t iw0,      \
                                        int16_t* v, size_t v_stride) {                         \
    const auto pixels = qwinograd_tile_pixels<side>(x, h, w, c, ih0, iw0);                     \
    for (size_t ch = 0; ch < c; ++ch) qwinograd_input_channel(pixels, ch, zero_point, v,       \
                                                              v_stride);                       \
    if (c % 2 != 0)                                                                            \
      for (size_t xi = 0; xi < side * side; ++xi) v[xi * v_stride + c] = 0;                    \
  }                                                                                            \
  void qwinograd_##tile##_output__scalar(const int32_t* m, size_t m_stride, size_t o,          \
                                         const int32_t* bias, const float* multipliers,        \
                                         const QConvOutput& output, int8_t* y,                 \
                                         size_t y_row_stride, size_t y_pixel_stride,           \
                                         size_t rows, size_t cols) {                           \
    for (size_t ch = 0; ch < o; ++ch)                                                          \
      qwinograd_##tile##_output_channel(m, m_stride, ch, bias, multipliers, output, y,         \
                                        y_row_stride, y_pixel_stride, rows, cols);             \
  }
SPRIG_QWINOGRAD_SCALAR(f2x2, 4)
SPRIG_QWINOGRAD_SCALAR(f4x4, 6)
#undef SPRIG_QWINOGRAD_SCALAR

}  // namespace sprig::cpu
