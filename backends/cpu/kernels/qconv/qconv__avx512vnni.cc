#include <immintrin.h>

#include <cstring>

#include "backends/cpu/kernels/qconv/qconv.h"
#include "backends/cpu/kernels/qconv/qconv_x86_impl.h"

namespace sprig::cpu {
namespace {

// One instruction for AVX2's vpmaddwd + vpaddd (AVX512-VNNI on 256-bit vectors, AVX512VL).
inline __m256i dpwssd(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }

}  // namespace

void qconv_4x16__avx512vnni(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                            const int16_t* const* a, const void* panel, int8_t* y,
                            size_t y_stride, const QConvOutput& output) {
  qconv_x86::qconv_4x16(rows, columns, taps, padded_channels, a, panel, y, y_stride, output,
                        dpwssd);
}

void qgemm_4x16_i32__avx512vnni(size_t rows, size_t columns, size_t padded_channels,
                                const int16_t* const* a, const void* panel, int32_t* c,
                                size_t c_stride) {
  qconv_x86::qgemm_4x16_i32(rows, columns, padded_channels, a, panel, c, c_stride, dpwssd);
}

void qconv_dot_4x16__avx512vnni(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                                const int8_t* const* a, const void* panel, int8_t* y,
                                size_t y_stride, const QConvOutput& output) {
  static_assert(kQConvMr == 4, "the dot kernel is 4x16");
  const auto p = qconv_dot_panel(panel, taps, padded_channels);
  const int8_t* w = p.weights;
  const __m256i bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.bias));
  const __m256i bias1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.bias + 8));
  qconv_x86::Acc4x16 acc{{{bias0, bias1}, {bias0, bias1}, {bias0, bias1}, {bias0, bias1}}};
  const size_t quads = padded_channels / 4;
  for (size_t t = 0; t < taps; ++t) {
    const int8_t* const* row = a + t * kQConvMr;
    for (size_t k = 0; k < quads; ++k, w += 4 * kQConvNr) {
      _mm_prefetch(reinterpret_cast<const char*>(w + 2 * qconv_x86::kPrefetchWeights),
                   _MM_HINT_T1);
      const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32));
      for (size_t r = 0; r < kQConvMr; ++r) {
        int32_t quad;
        std::memcpy(&quad, row[r] + 4 * k, sizeof(quad));
        const __m256i v = _mm256_set1_epi32(quad);  // 4 uint8 activations (offset 128)
        acc.c[r][0] = _mm256_dpbusd_epi32(acc.c[r][0], v, b0);
        acc.c[r][1] = _mm256_dpbusd_epi32(acc.c[r][1], v, b1);
      }
    }
  }
  qconv_x86::store_requantized(acc, rows, columns, p.multipliers, output, y, y_stride);
}

}  // namespace sprig::cpu
