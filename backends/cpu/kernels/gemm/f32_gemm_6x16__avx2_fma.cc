// 6x16 f32 GEMM microkernel, AVX2 + FMA: 12 accumulators, two B vectors, one A broadcast.
#include <immintrin.h>

#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {
namespace {

// Lanes [0, n) of a 16-float row set; n in [0, 16].
inline __m256i lane_mask(size_t n) {
  const int32_t ni = static_cast<int32_t>(n);
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(ni), index);
}

}  // namespace

void f32_gemm_6x16__avx2_fma(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                             const float* b, const float* bias, float* c, size_t c_stride,
                             float min, float max) {
  // Rows past mr alias the last valid row: they compute (and store) the same values.
  const float* a0 = a;
  const float* a1 = mr > 1 ? a0 + a_stride : a0;
  const float* a2 = mr > 2 ? a1 + a_stride : a1;
  const float* a3 = mr > 3 ? a2 + a_stride : a2;
  const float* a4 = mr > 4 ? a3 + a_stride : a3;
  const float* a5 = mr > 5 ? a4 + a_stride : a4;
  float* c0 = c;
  float* c1 = mr > 1 ? c0 + c_stride : c0;
  float* c2 = mr > 2 ? c1 + c_stride : c1;
  float* c3 = mr > 3 ? c2 + c_stride : c2;
  float* c4 = mr > 4 ? c3 + c_stride : c3;
  float* c5 = mr > 5 ? c4 + c_stride : c4;

  const __m256i mask_lo = lane_mask(nc < 8 ? nc : 8);
  const __m256i mask_hi = lane_mask(nc > 8 ? nc - 8 : 0);
  __m256 acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31, acc40, acc41, acc50, acc51;
  if (bias != nullptr) {
    acc00 = _mm256_loadu_ps(bias);
    acc01 = _mm256_loadu_ps(bias + 8);
    acc10 = acc00, acc11 = acc01, acc20 = acc00, acc21 = acc01;
    acc30 = acc00, acc31 = acc01, acc40 = acc00, acc41 = acc01, acc50 = acc00, acc51 = acc01;
  } else if (nc == 16) {
    acc00 = _mm256_loadu_ps(c0), acc01 = _mm256_loadu_ps(c0 + 8);
    acc10 = _mm256_loadu_ps(c1), acc11 = _mm256_loadu_ps(c1 + 8);
    acc20 = _mm256_loadu_ps(c2), acc21 = _mm256_loadu_ps(c2 + 8);
    acc30 = _mm256_loadu_ps(c3), acc31 = _mm256_loadu_ps(c3 + 8);
    acc40 = _mm256_loadu_ps(c4), acc41 = _mm256_loadu_ps(c4 + 8);
    acc50 = _mm256_loadu_ps(c5), acc51 = _mm256_loadu_ps(c5 + 8);
  } else {
    acc00 = _mm256_maskload_ps(c0, mask_lo), acc01 = _mm256_maskload_ps(c0 + 8, mask_hi);
    acc10 = _mm256_maskload_ps(c1, mask_lo), acc11 = _mm256_maskload_ps(c1 + 8, mask_hi);
    acc20 = _mm256_maskload_ps(c2, mask_lo), acc21 = _mm256_maskload_ps(c2 + 8, mask_hi);
    acc30 = _mm256_maskload_ps(c3, mask_lo), acc31 = _mm256_maskload_ps(c3 + 8, mask_hi);
    acc40 = _mm256_maskload_ps(c4, mask_lo), acc41 = _mm256_maskload_ps(c4 + 8, mask_hi);
    acc50 = _mm256_maskload_ps(c5, mask_lo), acc51 = _mm256_maskload_ps(c5 + 8, mask_hi);
  }

#pragma GCC unroll 4
  for (size_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    b += 16;
    __m256 va = _mm256_broadcast_ss(a0 + k);
    acc00 = _mm256_fmadd_ps(va, b0, acc00);
    acc01 = _mm256_fmadd_ps(va, b1, acc01);
    va = _mm256_broadcast_ss(a1 + k);
    acc10 = _mm256_fmadd_ps(va, b0, acc10);
    acc11 = _mm256_fmadd_ps(va, b1, acc11);
    va = _mm256_broadcast_ss(a2 + k);
    acc20 = _mm256_fmadd_ps(va, b0, acc20);
    acc21 = _mm256_fmadd_ps(va, b1, acc21);
    va = _mm256_broadcast_ss(a3 + k);
    acc30 = _mm256_fmadd_ps(va, b0, acc30);
    acc31 = _mm256_fmadd_ps(va, b1, acc31);
    va = _mm256_broadcast_ss(a4 + k);
    acc40 = _mm256_fmadd_ps(va, b0, acc40);
    acc41 = _mm256_fmadd_ps(va, b1, acc41);
    va = _mm256_broadcast_ss(a5 + k);
    acc50 = _mm256_fmadd_ps(va, b0, acc50);
    acc51 = _mm256_fmadd_ps(va, b1, acc51);
  }

  const __m256 vmin = _mm256_set1_ps(min);
  const __m256 vmax = _mm256_set1_ps(max);
#define SPRIG_CLAMP(v) v = _mm256_min_ps(_mm256_max_ps(v, vmin), vmax)
  SPRIG_CLAMP(acc00); SPRIG_CLAMP(acc01); SPRIG_CLAMP(acc10); SPRIG_CLAMP(acc11);
  SPRIG_CLAMP(acc20); SPRIG_CLAMP(acc21); SPRIG_CLAMP(acc30); SPRIG_CLAMP(acc31);
  SPRIG_CLAMP(acc40); SPRIG_CLAMP(acc41); SPRIG_CLAMP(acc50); SPRIG_CLAMP(acc51);
#undef SPRIG_CLAMP

  if (nc == 16) {
    _mm256_storeu_ps(c5, acc50), _mm256_storeu_ps(c5 + 8, acc51);
    _mm256_storeu_ps(c4, acc40), _mm256_storeu_ps(c4 + 8, acc41);
    _mm256_storeu_ps(c3, acc30), _mm256_storeu_ps(c3 + 8, acc31);
    _mm256_storeu_ps(c2, acc20), _mm256_storeu_ps(c2 + 8, acc21);
    _mm256_storeu_ps(c1, acc10), _mm256_storeu_ps(c1 + 8, acc11);
    _mm256_storeu_ps(c0, acc00), _mm256_storeu_ps(c0 + 8, acc01);
  } else {
    _mm256_maskstore_ps(c5, mask_lo, acc50), _mm256_maskstore_ps(c5 + 8, mask_hi, acc51);
    _mm256_maskstore_ps(c4, mask_lo, acc40), _mm256_maskstore_ps(c4 + 8, mask_hi, acc41);
    _mm256_maskstore_ps(c3, mask_lo, acc30), _mm256_maskstore_ps(c3 + 8, mask_hi, acc31);
    _mm256_maskstore_ps(c2, mask_lo, acc20), _mm256_maskstore_ps(c2 + 8, mask_hi, acc21);
    _mm256_maskstore_ps(c1, mask_lo, acc10), _mm256_maskstore_ps(c1 + 8, mask_hi, acc11);
    _mm256_maskstore_ps(c0, mask_lo, acc00), _mm256_maskstore_ps(c0 + 8, mask_hi, acc01);
  }
}

}  // namespace sprig::cpu
