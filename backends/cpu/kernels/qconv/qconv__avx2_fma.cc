#include <immintrin.h>

#include <cstring>

#include "backends/cpu/kernels/qconv/qconv.h"
#include "backends/cpu/kernels/qconv/qconv_x86_impl.h"

namespace sprig::cpu {

void qconv_widen__avx2_fma(const int8_t* x, size_t pixels, size_t channels,
                           size_t padded_channels, int32_t zero_point, int16_t* out) {
  const __m256i zero = _mm256_set1_epi16(static_cast<int16_t>(zero_point));
  for (size_t p = 0; p < pixels; ++p) {
    const int8_t* in = x + p * channels;
    int16_t* o = out + p * padded_channels;
    size_t c = 0;
    for (; c + 16 <= channels; c += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + c));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + c),
                          _mm256_sub_epi16(_mm256_cvtepi8_epi16(bytes), zero));
    }
    for (; c < channels; ++c) o[c] = static_cast<int16_t>(in[c] - zero_point);
    for (; c < padded_channels; ++c) o[c] = 0;
  }
}

namespace {

inline __m256i madd_add(__m256i acc, __m256i a, __m256i b) {
  return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
}

}  // namespace

void qconv_4x16__avx2_fma(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                          const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                          const QConvOutput& output) {
  qconv_x86::qconv_4x16(rows, columns, taps, padded_channels, a, panel, y, y_stride, output,
                        madd_add);
}

void qgemm_4x16_i32__avx2_fma(size_t rows, size_t columns, size_t padded_channels,
                              const int16_t* const* a, const void* panel, int32_t* c,
                              size_t c_stride) {
  qconv_x86::qgemm_4x16_i32(rows, columns, padded_channels, a, panel, c, c_stride, madd_add);
}

}  // namespace sprig::cpu
