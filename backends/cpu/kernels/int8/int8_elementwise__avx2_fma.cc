#include <immintrin.h>

#include "backends/cpu/kernels/int8/int8_elementwise.h"

namespace sprig::cpu {
namespace {

__m256 load8_as_f32(const int8_t* p, __m256i zero_point) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepi8_epi32(bytes), zero_point));
}

// int8_round on 8 lanes: clamp (NaN to lo), round to nearest even, add the zero point, store.
void round_store8(__m256 scaled, __m256 lo, __m256 hi, __m256i zero_point, int8_t* y) {
  scaled = _mm256_min_ps(_mm256_max_ps(scaled, lo), hi);
  const __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(scaled), zero_point);
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(y), _mm_packs_epi16(words, words));
}

}  // namespace

void int8_add__avx2_fma(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                        const Int8AddParams& p) {
  const __m256i za = _mm256_set1_epi32(p.a_zero_point), zb = _mm256_set1_epi32(p.b_zero_point);
  const __m256i zy = _mm256_set1_epi32(p.y_zero_point);
  const __m256 ma = _mm256_set1_ps(p.a_multiplier), mb = _mm256_set1_ps(p.b_multiplier);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(p.range.lo - p.y_zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(p.range.hi - p.y_zero_point));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 scaled =
        _mm256_fmadd_ps(load8_as_f32(b + i, zb), mb, _mm256_mul_ps(load8_as_f32(a + i, za), ma));
    round_store8(scaled, lo, hi, zy, y + i);
  }
  int8_add__scalar(a + i, b + i, y + i, n - i, p);
}

void int8_quantize__avx2_fma(const float* x, int8_t* y, size_t n, float inverse_scale,
                             int32_t zero_point) {
  const __m256 inverse = _mm256_set1_ps(inverse_scale);
  const __m256i zy = _mm256_set1_epi32(zero_point);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(-128 - zero_point));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(127 - zero_point));
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    round_store8(_mm256_mul_ps(_mm256_loadu_ps(x + i), inverse), lo, hi, zy, y + i);
  int8_quantize__scalar(x + i, y + i, n - i, inverse_scale, zero_point);
}

void int8_dequantize__avx2_fma(const int8_t* x, float* y, size_t n, float scale,
                               int32_t zero_point) {
  const __m256i zx = _mm256_set1_epi32(zero_point);
  const __m256 s = _mm256_set1_ps(scale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(load8_as_f32(x + i, zx), s));
  int8_dequantize__scalar(x + i, y + i, n - i, scale, zero_point);
}

}  // namespace sprig::cpu
