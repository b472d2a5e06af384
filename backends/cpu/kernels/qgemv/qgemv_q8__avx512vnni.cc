// The dot-product GEMV kernels with AVX512-VNNI on 256-bit vectors: one vpdpbusd per 32 bytes.
#include <immintrin.h>

#include "backends/cpu/kernels/qgemv/qgemv_q8_x86.h"

namespace sprig::cpu {
namespace {

struct DpbusdDot {
  static __m256i dot(__m256i u8, __m256i s8) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u8, s8);
  }
  static __m256i dot2(__m256i u8_a, __m256i s8_a, __m256i u8_b, __m256i s8_b) {
    return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), u8_a, s8_a), u8_b, s8_b);
  }
};

}  // namespace

void q8c_gemv_q8__avx512vnni(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0,
                             size_t n1) {
  qgemv_x86::q8c_gemv<DpbusdDot>(w, args, n0, n1);
}

void q4g_gemv_q8__avx512vnni(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0,
                             size_t n1) {
  qgemv_x86::q4g_gemv<DpbusdDot>(w, args, n0, n1);
}

}  // namespace sprig::cpu
