// Eight floats in an AVX register: the vector operations every *_impl.h kernel template uses
// (see simd_scalar.h for the contract of each). Include only from *__avx2_fma.cc files.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace sprig::cpu::simd {

struct Avx2 {
  using V = __m256;
  static constexpr size_t kLanes = 8;

  static __m256i tail_mask(size_t n) {
    static const int32_t kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
  }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load_f16(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V load_partial(const float* p, size_t n) { return _mm256_maskload_ps(p, tail_mask(n)); }
  static void store_partial(float* p, V v, size_t n) { _mm256_maskstore_ps(p, tail_mask(n), v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V zero() { return _mm256_setzero_ps(); }

  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  // The 12-bit estimate and one Newton-Raphson step.
  static V recip(V d) {
    const V r = _mm256_rcp_ps(d);
    return _mm256_fmadd_ps(r, _mm256_fnmadd_ps(r, d, _mm256_set1_ps(1.0f)), r);
  }
  // vmaxps/vminps return the second operand when either is NaN.
  static V max_keep_nan(V lo, V x) { return _mm256_max_ps(lo, x); }
  static V min_keep_nan(V hi, V x) { return _mm256_min_ps(hi, x); }
  static V max_sticky_nan(V acc, V v) {
    const V m = _mm256_max_ps(v, acc);  // acc when either is NaN
    return _mm256_blendv_ps(m, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  static V abs(V x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  static V neg(V x) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), x); }
  static V select_sign(V x, V a, V b) { return _mm256_blendv_ps(b, a, x); }
  static V copy_sign(V mag, V s) {
    return _mm256_or_ps(mag, _mm256_and_ps(_mm256_set1_ps(-0.0f), s));
  }
  static V shl23(V x) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(x), 23)); }
  static float reduce_add(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float reduce_max(V v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace sprig::cpu::simd
