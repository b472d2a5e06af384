// The dot-product GEMV kernels with AVX2: vpmaddubsw (pairs of u8 x s8 products into int16: here
// |w| <= 128 against |x| <= 127, at most 2 * 128 * 127, so never saturating) then vpmaddwd by ones
// into int32.
#include <immintrin.h>

#include "backends/cpu/kernels/qgemv/qgemv_q8_x86.h"

namespace sprig::cpu {
namespace {

struct MaddubsDot {
  static __m256i dot(__m256i u8, __m256i s8) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u8, s8), _mm256_set1_epi16(1));
  }
  static __m256i dot2(__m256i u8_a, __m256i s8_a, __m256i u8_b, __m256i s8_b) {
    // Each int16 sum stays within 2 * 2 * 15 * 127 here (unsigned nibbles).
    return _mm256_madd_epi16(
        _mm256_add_epi16(_mm256_maddubs_epi16(u8_a, s8_a), _mm256_maddubs_epi16(u8_b, s8_b)),
        _mm256_set1_epi16(1));
  }
};

}  // namespace

void q8c_gemv_q8__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  qgemv_x86::q8c_gemv<MaddubsDot>(w, args, n0, n1);
}

void q4g_gemv_q8__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  qgemv_x86::q4g_gemv<MaddubsDot>(w, args, n0, n1);
}

}  // namespace sprig::cpu
