#include <immintrin.h>

#include "backends/cpu/kernels/int8/int8_requantize__avx2.h"
#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "backends/cpu/kernels/qwinograd/qwinograd_channel.h"

namespace sprig::cpu {

void qwinograd_input__avx2_fma(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point,
                               ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v, size_t v_stride) {
  const QWinogradTilePixels pixels = qwinograd_tile_pixels(x, h, w, c, ih0, iw0);
  const __m256i zero = _mm256_set1_epi16(static_cast<int16_t>(zero_point));
  size_t ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    __m256i d[16];
    for (size_t k = 0; k < 16; ++k) {
      d[k] = pixels.at[k] == nullptr
                 ? _mm256_setzero_si256()
                 : _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(
                                        reinterpret_cast<const __m128i*>(pixels.at[k] + ch))),
                                    zero);
    }
    __m256i t[16];
    for (size_t j = 0; j < 4; ++j) {
      t[0 + j] = _mm256_sub_epi16(d[0 + j], d[8 + j]);
      t[4 + j] = _mm256_add_epi16(d[4 + j], d[8 + j]);
      t[8 + j] = _mm256_sub_epi16(d[8 + j], d[4 + j]);
      t[12 + j] = _mm256_sub_epi16(d[4 + j], d[12 + j]);
    }
    for (size_t i = 0; i < 4; ++i) {
      const __m256i* r = t + 4 * i;
      const __m256i out[4] = {_mm256_sub_epi16(r[0], r[2]), _mm256_add_epi16(r[1], r[2]),
                              _mm256_sub_epi16(r[2], r[1]), _mm256_sub_epi16(r[1], r[3])};
      for (size_t j = 0; j < 4; ++j)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(v + (i * 4 + j) * v_stride + ch), out[j]);
    }
  }
  for (; ch < c; ++ch) qwinograd_input_channel(pixels, ch, zero_point, v, v_stride);
  if (c % 2 != 0)
    for (size_t xi = 0; xi < kQWinogradPositions; ++xi) v[xi * v_stride + c] = 0;
}

void qwinograd_output__avx2_fma(const int32_t* m, size_t m_stride, size_t o, const int32_t* bias,
                                const float* multipliers, const QConvOutput& output, int8_t* y,
                                size_t y_row_stride, size_t y_pixel_stride, size_t rows,
                                size_t cols) {
  const Int8RequantizeAvx2 requantize(output.zero_point, output.range);
  size_t ch = 0;
  for (; ch + 8 <= o; ch += 8) {
    __m256i mm[16];
    for (size_t k = 0; k < 16; ++k)
      mm[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + k * m_stride + ch));
    const __m256i b = bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + ch))
                           : _mm256_setzero_si256();
    const __m256 scale = _mm256_loadu_ps(multipliers + ch);
    for (size_t r = 0; r < rows; ++r) {
      __m256i t[4];
      for (size_t j = 0; j < 4; ++j) {
        t[j] = r == 0 ? _mm256_add_epi32(_mm256_add_epi32(mm[j], mm[4 + j]), mm[8 + j])
                      : _mm256_sub_epi32(_mm256_sub_epi32(mm[4 + j], mm[8 + j]), mm[12 + j]);
      }
      const __m256i sums[2] = {_mm256_add_epi32(_mm256_add_epi32(t[0], t[1]), t[2]),
                               _mm256_sub_epi32(_mm256_sub_epi32(t[1], t[2]), t[3])};
      for (size_t col = 0; col < cols; ++col) {
        const __m256i acc = _mm256_add_epi32(_mm256_srai_epi32(sums[col], 2), b);
        _mm_storel_epi64(
            reinterpret_cast<__m128i*>(y + r * y_row_stride + col * y_pixel_stride + ch),
            requantize.bytes8(acc, scale));
      }
    }
  }
  for (; ch < o; ++ch)
    qwinograd_output_channel(m, m_stride, ch, bias, multipliers, output, y, y_row_stride,
                             y_pixel_stride, rows, cols);
}

}  // namespace sprig::cpu
