// Weight-only quantized GEMV with AVX2 + FMA (+ F16C for the group scales). Weights are widened to
// f32 eight at a time (vpmovsxbd / vpmovzxbd + vcvtdq2ps) and multiplied with up to four rows of
// x at once; int4 weights 32 at a time, low and high nibbles apart, against x rearranged to match
// (q4_prepare_x).
#include <immintrin.h>

#include "backends/cpu/kernels/common/simd_avx2.h"
#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "backends/cpu/kernels/qgemv/qgemv_rows.h"

namespace sprig::cpu {
namespace {

using simd::Avx2;

// Eight int8 values at p, as floats.
__m256 widen8(const int8_t* p) {
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes));
}

template <size_t kRows>
void q8c_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const float* x[kRows];
  for (size_t r = 0; r < kRows; ++r) x[r] = args.x + (m0 + r) * args.x_stride;
  const size_t k8 = w.k / 8 * 8;
  for (size_t n = n0; n < n1; ++n) {
    const int8_t* q = w.q8 + n * w.k;
    // Two accumulators per row, so that consecutive FMAs do not wait on each other.
    __m256 acc[kRows], acc2[kRows];
    for (size_t r = 0; r < kRows; ++r) acc[r] = acc2[r] = _mm256_setzero_ps();
    size_t k = 0;
    for (; k + 16 <= k8; k += 16) {
      const __m256 w0 = widen8(q + k), w1 = widen8(q + k + 8);
      for (size_t r = 0; r < kRows; ++r) {
        acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x[r] + k), w0, acc[r]);
        acc2[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x[r] + k + 8), w1, acc2[r]);
      }
    }
    if (k < k8) {
      const __m256 w0 = widen8(q + k);
      for (size_t r = 0; r < kRows; ++r)
        acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(x[r] + k), w0, acc[r]);
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r) {
      float sum = Avx2::reduce_add(_mm256_add_ps(acc[r], acc2[r]));
      for (size_t k = k8; k < w.k; ++k) sum += x[r][k] * static_cast<float>(q[k]);
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + w.channel_scales[n] * sum, args.min, args.max);
    }
  }
}

// Nibbles are decoded as v + 8 (0..15) against x in nibble order, and the offset of 8 and the zero
// point are taken out per group with x's block sums: sum x (v - z) = sum x (v + 8) - (8 + z) sum x.
template <size_t kRows>
void q4g_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const float* x[kRows];
  const float* sums[kRows];
  const size_t blocks = w.k / 32, blocks_per_group = w.group / 32;
  for (size_t r = 0; r < kRows; ++r) {
    x[r] = args.x_nibble_order + (m0 + r) * w.k;
    sums[r] = args.x_block_sums + (m0 + r) * blocks;
  }
  const size_t groups = w.k / w.group;
  const __m128i low_nibbles = _mm_set1_epi8(0x0F);
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x88));
  for (size_t n = n0; n < n1; ++n) {
    const uint8_t* q = w.q4 + n * (w.k / 2);
    const uint16_t* scales = w.group_scales + n * groups;
    const int8_t* zeros = w.group_zeros != nullptr ? w.group_zeros + n * groups : nullptr;
    __m256 acc[kRows];
    float offset[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      acc[r] = _mm256_setzero_ps();
      offset[r] = 0.0f;
    }
    for (size_t g = 0; g < groups; ++g) {
      __m256 dot[kRows], dot2[kRows];  // two chains of FMAs per row
      float group_sum[kRows];
      for (size_t r = 0; r < kRows; ++r) {
        dot[r] = dot2[r] = _mm256_setzero_ps();
        group_sum[r] = 0.0f;
      }
      for (size_t b = g * blocks_per_group; b < (g + 1) * blocks_per_group; ++b) {
        // Flipping bit 3 of each two's-complement nibble gives its value plus 8, in 0..15.
        const __m128i bytes =
            _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + b * 16)), flip);
        const __m128i lo = _mm_and_si128(bytes, low_nibbles);
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibbles);
        const __m256 f0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo));
        const __m256 f1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8)));
        const __m256 f2 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi));
        const __m256 f3 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8)));
        for (size_t r = 0; r < kRows; ++r) {
          const float* xb = x[r] + b * 32;
          dot[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xb), f0, dot[r]);
          dot2[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xb + 8), f1, dot2[r]);
          dot[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xb + 16), f2, dot[r]);
          dot2[r] = _mm256_fmadd_ps(_mm256_loadu_ps(xb + 24), f3, dot2[r]);
          group_sum[r] += sums[r][b];
        }
      }
      const float scale = _cvtsh_ss(scales[g]);
      const float shift = scale * (8.0f + (zeros != nullptr ? zeros[g] : 0));
      const __m256 vscale = _mm256_set1_ps(scale);
      for (size_t r = 0; r < kRows; ++r) {
        acc[r] = _mm256_fmadd_ps(_mm256_add_ps(dot[r], dot2[r]), vscale, acc[r]);
        offset[r] += shift * group_sum[r];
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r)
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + (Avx2::reduce_add(acc[r]) - offset[r]), args.min, args.max);
  }
}

}  // namespace

void q8c_gemv_f32__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q8c_rows<1>, q8c_rows<2>, q8c_rows<3>, q8c_rows<4>>(w, args, n0, n1);
}

void q4g_gemv_f32__avx2_fma(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q4g_rows<1>, q4g_rows<2>, q4g_rows<3>, q4g_rows<4>>(w, args, n0, n1);
}

}  // namespace sprig::cpu
