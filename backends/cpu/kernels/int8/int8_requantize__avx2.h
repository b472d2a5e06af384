// int8_requantize (runtime/core/int8_arith.h) on 8 and 16 int32 sums at once, with the same float
// operations, so the bytes match the rule. For AVX2 translation units only.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

struct Int8RequantizeAvx2 {
  explicit Int8RequantizeAvx2(int32_t zero_point, Int8Range range)
      : lo(_mm256_set1_ps(static_cast<float>(range.lo - zero_point))),
        hi(_mm256_set1_ps(static_cast<float>(range.hi - zero_point))),
        zero(_mm256_set1_epi32(zero_point)) {}

  // The 8 results as int32 lanes.
  __m256i apply8(__m256i acc, __m256 multiplier) const {
    const __m256 scaled =
        _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(acc), multiplier), lo), hi);
    return _mm256_add_epi32(_mm256_cvtps_epi32(scaled), zero);
  }

  // The 8 results as the low 8 bytes.
  __m128i bytes8(__m256i acc, __m256 multiplier) const {
    const __m256i q = apply8(acc, multiplier);
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    return _mm_packs_epi16(words, words);
  }

  // 16 results (acc0: the first 8) as 16 bytes.
  __m128i bytes16(__m256i acc0, __m256i acc1, __m256 m0, __m256 m1) const {
    const __m256i q0 = apply8(acc0, m0), q1 = apply8(acc1, m1);
    const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(q0), _mm256_extracti128_si256(q0, 1));
    const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(q1), _mm256_extracti128_si256(q1, 1));
    return _mm_packs_epi16(w0, w1);
  }

  __m256 lo, hi;
  __m256i zero;
};

}  // namespace sprig::cpu
