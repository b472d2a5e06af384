// The dot-product GEMV kernels (qgemv.h, *_gemv_q8) for x86 with 256-bit vectors, generic over the
// integer dot product of 32 unsigned by 32 signed bytes into eight int32 lanes: AVX2's
// vpmaddubsw + vpmaddwd (qgemv_q8__avx2_fma.cc) or AVX512-VNNI's vpdpbusd
// (qgemv_q8__avx512vnni.cc). Include in those translation units only.
//
// Per block of 32 weights and row of x the dot product gives eight partial sums; eight blocks' are
// folded into one vector (lane j: block j) and scaled there by the eight blocks' scales at once.
#pragma once

#include <immintrin.h>

#include "backends/cpu/kernels/common/simd_avx2.h"
#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "backends/cpu/kernels/qgemv/qgemv_rows.h"

namespace sprig::cpu::qgemv_x86 {

// Lane j of the result: the sum of the eight lanes of p[j].
inline __m256i sum_each8(const __m256i p[8]) {
  const __m256i a =
      _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3]));
  const __m256i b =
      _mm256_hadd_epi32(_mm256_hadd_epi32(p[4], p[5]), _mm256_hadd_epi32(p[6], p[7]));
  return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20),
                          _mm256_permute2x128_si256(a, b, 0x31));
}

// The 32 nibbles of 16 bytes plus 8 (0..15) as bytes: low nibbles then high ones.
inline __m256i nibbles_plus8(const uint8_t* p) {
  const __m128i bytes = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                                      _mm_set1_epi8(static_cast<char>(0x88)));
  const __m256i both = _mm256_set_m128i(_mm_srli_epi16(bytes, 4), bytes);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// How far ahead of its reads the kernel prefetches the weights (and their scales): measured on
// 128 MiB of int4 weights (bench/micro/qgemv_bench.cc), one thread streams them about 15% faster
// with it, the hardware prefetchers alone falling behind.
constexpr size_t kPrefetchBytes = 2048;

inline void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }

inline __m256i load32(const int8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

// q8c: y = bias + scale[n] * sum_b d(b) * (q8 x . w) over the blocks b of 32.
template <size_t kRows, typename Dot>
void q8c_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const size_t blocks = w.k / 32;
  const int8_t* x[kRows];
  const float* d[kRows];
  for (size_t r = 0; r < kRows; ++r) {
    x[r] = args.x_q8 + (m0 + r) * w.k;
    d[r] = args.x_q8_scales + (m0 + r) * blocks;
  }
  for (size_t n = n0; n < n1; ++n) {
    const int8_t* q = w.q8 + n * w.k;
    __m256 acc[kRows];
    for (size_t r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
    size_t b = 0;
    for (; b + 8 <= blocks; b += 8) {
      for (size_t line = 0; line < 256; line += 64) prefetch(q + b * 32 + kPrefetchBytes + line);
      __m256i magnitude[8];
      for (size_t j = 0; j < 8; ++j) magnitude[j] = _mm256_abs_epi8(load32(q + (b + j) * 32));
      for (size_t r = 0; r < kRows; ++r) {
        __m256i p[8];
        for (size_t j = 0; j < 8; ++j) {
          // |w| * (x with w's sign) = w * x, as unsigned by signed bytes.
          const __m256i signed_x =
              _mm256_sign_epi8(load32(x[r] + (b + j) * 32), load32(q + (b + j) * 32));
          p[j] = Dot::dot(magnitude[j], signed_x);
        }
        acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum_each8(p)), _mm256_loadu_ps(d[r] + b),
                                 acc[r]);
      }
    }
    float tail[kRows] = {};
    for (; b < blocks; ++b) {
      const __m256i wv = load32(q + b * 32);
      const __m256i magnitude = _mm256_abs_epi8(wv);
      for (size_t r = 0; r < kRows; ++r) {
        const __m256i p = Dot::dot(magnitude, _mm256_sign_epi8(load32(x[r] + b * 32), wv));
        tail[r] += d[r][b] * simd::Avx2::reduce_add(_mm256_cvtepi32_ps(p));
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r)
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + w.channel_scales[n] * (simd::Avx2::reduce_add(acc[r]) + tail[r]),
                args.min, args.max);
  }
}

// The F16 scales (or the zero points) of blocks b .. b + 7, one per lane, from per-block values
// (per_group 1) or repeated per_group times (2, 4 or 8).
inline __m256 block_scales8(const uint16_t* scales, size_t b, size_t per_group) {
  if (per_group == 1)
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales + b)));
  uint16_t group_scales[8] = {};
  for (size_t g = 0; g < 8 / per_group; ++g) group_scales[g] = scales[b / per_group + g];
  const __m256 packed =
      _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(group_scales)));
  return _mm256_permutevar8x32_ps(packed, _mm256_setr_epi32(0, 1 / per_group, 2 / per_group,
                                                            3 / per_group, 4 / per_group,
                                                            5 / per_group, 6 / per_group,
                                                            7 / per_group));
}

inline __m256 block_zeros8(const int8_t* zeros, size_t b, size_t per_group) {
  alignas(32) float z[8];
  for (size_t j = 0; j < 8; ++j) z[j] = zeros[(b + j) / per_group];
  return _mm256_load_ps(z);
}

// q4g: the nibbles are taken as v + 8 (unsigned) against x in q4 order; per block,
//   d(b) * sum x_q (v - z) = d(b) * (x_q . (v + 8)) - (8 + z) * (d(b) * sum x_q)
// with the second term from quantize_rows_q8's sums. Chunks of eight blocks take each pair's 32
// weight bytes at once: its low nibbles against the pair's even elements of x, its high nibbles
// against the odd ones, giving one vector whose lanes 0-3 hold block 2i's partial sums and lanes
// 4-7 block 2i + 1's. A tail of blocks past the last chunk goes one block at a time.
template <size_t kRows, typename Dot>
void q4g_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const size_t blocks = w.k / 32, groups = w.k / w.group, per_group = w.group / 32;
  const size_t chunk_blocks = w.k / 256 * 8;
  const int8_t* x[kRows];
  const float* d[kRows];
  const float* s[kRows];
  for (size_t r = 0; r < kRows; ++r) {
    x[r] = args.x_q8 + (m0 + r) * w.k;
    d[r] = args.x_q8_scales + (m0 + r) * blocks;
    s[r] = args.x_q8_sums + (m0 + r) * blocks;
  }
  const __m256i low4 = _mm256_set1_epi8(0x0F);
  const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x88));
  // hadd(hadd(p0, p1), hadd(p2, p3)) leaves blocks 0, 2, 4, 6, 1, 3, 5, 7; this puts them back.
  const __m256i block_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (size_t n = n0; n < n1; ++n) {
    const uint8_t* q = w.q4 + n * (w.k / 2);
    const uint16_t* scales = w.group_scales + n * groups;
    const int8_t* zeros = w.group_zeros != nullptr ? w.group_zeros + n * groups : nullptr;
    __m256 acc[kRows];
    for (size_t r = 0; r < kRows; ++r) acc[r] = _mm256_setzero_ps();
    for (size_t b = 0; b < chunk_blocks; b += 8) {
      // Flipping bit 3 of each two's-complement nibble gives its value plus 8, in 0..15.
      __m256i low[4], high[4];
      prefetch(q + b * 16 + kPrefetchBytes);
      prefetch(q + b * 16 + kPrefetchBytes + 64);
      if (b % 32 == 0) prefetch(scales + b + kPrefetchBytes / 8);
      for (size_t i = 0; i < 4; ++i) {
        const __m256i bytes = _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + (b + 2 * i) * 16)), flip);
        low[i] = _mm256_and_si256(bytes, low4);
        high[i] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low4);
      }
      const __m256 scale = block_scales8(scales, b, per_group);
      __m256 shift = _mm256_set1_ps(8.0f);
      if (zeros != nullptr) shift = _mm256_add_ps(shift, block_zeros8(zeros, b, per_group));
      for (size_t r = 0; r < kRows; ++r) {
        __m256i p[4];
        for (size_t i = 0; i < 4; ++i) {
          const int8_t* xp = x[r] + (b + 2 * i) * 32;
          p[i] = Dot::dot2(low[i], load32(xp), high[i], load32(xp + 32));
        }
        const __m256i sums = _mm256_permutevar8x32_epi32(
            _mm256_hadd_epi32(_mm256_hadd_epi32(p[0], p[1]), _mm256_hadd_epi32(p[2], p[3])),
            block_order);
        const __m256 block_dots = _mm256_fnmadd_ps(
            shift, _mm256_loadu_ps(s[r] + b),
            _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_loadu_ps(d[r] + b)));
        acc[r] = _mm256_fmadd_ps(block_dots, scale, acc[r]);
      }
    }
    float tail[kRows] = {};
    for (size_t b = chunk_blocks; b < blocks; ++b) {
      const size_t g = b / per_group;
      const float scale = _cvtsh_ss(scales[g]);
      const float shift = 8.0f + (zeros != nullptr ? zeros[g] : 0);
      const __m256i nibbles = nibbles_plus8(q + b * 16);
      for (size_t r = 0; r < kRows; ++r) {
        const __m256i p = Dot::dot(nibbles, load32(x[r] + b * 32));
        tail[r] += scale * (d[r][b] * simd::Avx2::reduce_add(_mm256_cvtepi32_ps(p)) -
                            shift * s[r][b]);
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r)
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + simd::Avx2::reduce_add(acc[r]) + tail[r], args.min, args.max);
  }
}

template <typename Dot>
void q8c_gemv(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q8c_rows<1, Dot>, q8c_rows<2, Dot>, q8c_rows<3, Dot>, q8c_rows<4, Dot>>(w, args,
                                                                                        n0, n1);
}

template <typename Dot>
void q4g_gemv(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q4g_rows<1, Dot>, q4g_rows<2, Dot>, q4g_rows<3, Dot>, q4g_rows<4, Dot>>(w, args,
                                                                                        n0, n1);
}

}  // namespace sprig::cpu::qgemv_x86
