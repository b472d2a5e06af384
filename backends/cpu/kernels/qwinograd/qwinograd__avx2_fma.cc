#include <immintrin.h>

#include "backends/cpu/kernels/int8/int8_requantize__avx2.h"
#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "backends/cpu/kernels/qwinograd/qwinograd_channel.h"

namespace sprig::cpu {
namespace {

// V of 16 channels [ch, ch + 16) of one tile, in int16 lanes (within range: qwinograd.h).
template <size_t kSide>
void input_16_channels(const QWinogradTilePixels<kSide>& pixels, size_t ch, __m256i zero,
                       int16_t* v, size_t v_stride) {
  const auto add = [](__m256i a, __m256i b) { return _mm256_add_epi16(a, b); };
  const auto sub = [](__m256i a, __m256i b) { return _mm256_sub_epi16(a, b); };
  const auto times4 = [](__m256i a) { return _mm256_slli_epi16(a, 2); };
  const auto times2 = [](__m256i a) { return _mm256_add_epi16(a, a); };
  const auto bt = [&](const __m256i* in, __m256i* out) {
    if constexpr (kSide == 4) {
      qwinograd_f2x2_bt(in, out, add, sub);
    } else {
      qwinograd_f4x4_bt(in, out, add, sub, times4, times2);
    }
  };
  __m256i t[kSide][kSide];
  for (size_t j = 0; j < kSide; ++j) {
    __m256i column[kSide], out[kSide];
    for (size_t i = 0; i < kSide; ++i) {
      const int8_t* pixel = pixels.at[i * kSide + j];
      column[i] = pixel == nullptr
                      ? _mm256_setzero_si256()
                      : _mm256_sub_epi16(_mm256_cvtepi8_epi16(_mm_loadu_si128(
                                             reinterpret_cast<const __m128i*>(pixel + ch))),
                                         zero);
    }
    bt(column, out);
    for (size_t i = 0; i < kSide; ++i) t[i][j] = out[i];
  }
  for (size_t i = 0; i < kSide; ++i) {
    __m256i out[kSide];
    bt(t[i], out);
    for (size_t j = 0; j < kSide; ++j)
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(v + (i * kSide + j) * v_stride + ch), out[j]);
  }
}

template <size_t kSide>
void input_tile(const int8_t* x, size_t h, size_t w, size_t c, int32_t zero_point, ptrdiff_t ih0,
                ptrdiff_t iw0, int16_t* v, size_t v_stride) {
  const auto pixels = qwinograd_tile_pixels<kSide>(x, h, w, c, ih0, iw0);
  const __m256i zero = _mm256_set1_epi16(static_cast<int16_t>(zero_point));
  size_t ch = 0;
  for (; ch + 16 <= c; ch += 16) input_16_channels(pixels, ch, zero, v, v_stride);
  for (; ch < c; ++ch) qwinograd_input_channel(pixels, ch, zero_point, v, v_stride);
  if (c % 2 != 0)
    for (size_t xi = 0; xi < kSide * kSide; ++xi) v[xi * v_stride + c] = 0;
}

// A'^T of F(4x4) on a column of int32 vectors (wrapping).
inline void f4x4_at(const __m256i m[6], __m256i o[4]) {
  const __m256i s12 = _mm256_add_epi32(m[1], m[2]), d12 = _mm256_sub_epi32(m[1], m[2]);
  const __m256i s34 = _mm256_add_epi32(m[3], m[4]), d34 = _mm256_sub_epi32(m[3], m[4]);
  const __m256i m0_2 = _mm256_slli_epi32(m[0], 1);
  const __m256i m5_8 = _mm256_slli_epi32(m[5], 3);
  o[0] = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(m0_2, 1), m0_2),
                          _mm256_add_epi32(_mm256_slli_epi32(s12, 2), s34));
  o[1] = _mm256_add_epi32(_mm256_slli_epi32(d12, 2), _mm256_slli_epi32(d34, 1));
  o[2] = _mm256_slli_epi32(_mm256_add_epi32(s12, s34), 2);
  o[3] = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(d12, 2), _mm256_slli_epi32(d34, 3)),
                          _mm256_add_epi32(_mm256_slli_epi32(m5_8, 1), m5_8));
}

}  // namespace

void qwinograd_f2x2_input__avx2_fma(const int8_t* x, size_t h, size_t w, size_t c,
                                    int32_t zero_point, ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v,
                                    size_t v_stride) {
  input_tile<4>(x, h, w, c, zero_point, ih0, iw0, v, v_stride);
}

void qwinograd_f4x4_input__avx2_fma(const int8_t* x, size_t h, size_t w, size_t c,
                                    int32_t zero_point, ptrdiff_t ih0, ptrdiff_t iw0, int16_t* v,
                                    size_t v_stride) {
  input_tile<6>(x, h, w, c, zero_point, ih0, iw0, v, v_stride);
}

void qwinograd_f2x2_output__avx2_fma(const int32_t* m, size_t m_stride, size_t o,
                                     const int32_t* bias, const float* multipliers,
                                     const QConvOutput& output, int8_t* y, size_t y_row_stride,
                                     size_t y_pixel_stride, size_t rows, size_t cols) {
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
    qwinograd_f2x2_output_channel(m, m_stride, ch, bias, multipliers, output, y, y_row_stride,
                                  y_pixel_stride, rows, cols);
}

void qwinograd_f4x4_output__avx2_fma(const int32_t* m, size_t m_stride, size_t o,
                                     const int32_t* bias, const float* multipliers,
                                     const QConvOutput& output, int8_t* y, size_t y_row_stride,
                                     size_t y_pixel_stride, size_t rows, size_t cols) {
  const Int8RequantizeAvx2 requantize(output.zero_point, output.range);
  const __m256i inverse_of_9 = _mm256_set1_epi32(static_cast<int32_t>(0x38E38E39u));
  size_t ch = 0;
  for (; ch + 8 <= o; ch += 8) {
    __m256i t[4][6];
    for (size_t j = 0; j < 6; ++j) {
      __m256i column[6], out[4];
      for (size_t i = 0; i < 6; ++i)
        column[i] =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m + (i * 6 + j) * m_stride + ch));
      f4x4_at(column, out);
      for (size_t i = 0; i < 4; ++i) t[i][j] = out[i];
    }
    const __m256i b = bias ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + ch))
                           : _mm256_setzero_si256();
    const __m256 scale = _mm256_loadu_ps(multipliers + ch);
    for (size_t r = 0; r < rows; ++r) {
      __m256i z[4];
      f4x4_at(t[r], z);
      for (size_t col = 0; col < cols; ++col) {
        // qwinograd_f4x4_recover on 8 lanes.
        const __m256i nine_sum = _mm256_srli_epi32(z[col], 6);
        const __m256i sum = _mm256_srai_epi32(
            _mm256_slli_epi32(_mm256_mullo_epi32(nine_sum, inverse_of_9), 6), 6);
        _mm_storel_epi64(
            reinterpret_cast<__m128i*>(y + r * y_row_stride + col * y_pixel_stride + ch),
            requantize.bytes8(_mm256_add_epi32(sum, b), scale));
      }
    }
  }
  for (; ch < o; ++ch)
    qwinograd_f4x4_output_channel(m, m_stride, ch, bias, multipliers, output, y, y_row_stride,
                                  y_pixel_stride, rows, cols);
}

}  // namespace sprig::cpu
