// The int8 GEMM microkernels (qconv.h) for x86 with 256-bit vectors, generic over the
// multiply-add of int16 pairs into int32 lanes: AVX2's vpmaddwd + vpaddd (qconv__avx2_fma.cc) or
// AVX512-VNNI's vpdpwssd (qconv__avx512vnni.cc). Include in those translation units only.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "backends/cpu/kernels/int8/int8_requantize__avx2.h"
#include "backends/cpu/kernels/qconv/qconv.h"
#include "backends/cpu/kernels/qconv/qconv_pack.h"

namespace sprig::cpu::qconv_x86 {

inline int32_t pair_at(const int16_t* row, size_t pair) {
  int32_t v;
  std::memcpy(&v, row + 2 * pair, sizeof(v));
  return v;
}

// How far ahead of its reads of the weights the kernel prefetches them (into L2): 12 KiB, as the
// f32 GEMM does (kernels/gemm), for weights that come from memory (small images, Winograd).
constexpr size_t kPrefetchWeights = 6144;

// The 4x16 sums of one tile, bias included (two 8-column halves per row), wrapping modulo 2^32.
struct Acc4x16 {
  __m256i c[kQConvMr][2];
};

// MulAdd: acc + (the int16 pair products of a and b summed per int32 lane).
template <typename MulAdd>
inline Acc4x16 accumulate(size_t taps, size_t padded_channels, const int16_t* const* a,
                          const QConvPanel& p, MulAdd mul_add) {
  const __m256i bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.bias));
  const __m256i bias1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p.bias + 8));
  __m256i c00 = bias0, c01 = bias1, c10 = bias0, c11 = bias1;
  __m256i c20 = bias0, c21 = bias1, c30 = bias0, c31 = bias1;
  const size_t pairs = padded_channels / 2;
  const int16_t* w = p.weights;
  for (size_t t = 0; t < taps; ++t) {
    const int16_t* a0 = a[t * kQConvMr + 0];
    const int16_t* a1 = a[t * kQConvMr + 1];
    const int16_t* a2 = a[t * kQConvMr + 2];
    const int16_t* a3 = a[t * kQConvMr + 3];
    for (size_t k = 0; k < pairs; ++k, w += 2 * kQConvNr) {
      _mm_prefetch(reinterpret_cast<const char*>(w + kPrefetchWeights), _MM_HINT_T1);
      const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + kQConvNr));
      const __m256i v0 = _mm256_set1_epi32(pair_at(a0, k));
      c00 = mul_add(c00, v0, b0);
      c01 = mul_add(c01, v0, b1);
      const __m256i v1 = _mm256_set1_epi32(pair_at(a1, k));
      c10 = mul_add(c10, v1, b0);
      c11 = mul_add(c11, v1, b1);
      const __m256i v2 = _mm256_set1_epi32(pair_at(a2, k));
      c20 = mul_add(c20, v2, b0);
      c21 = mul_add(c21, v2, b1);
      const __m256i v3 = _mm256_set1_epi32(pair_at(a3, k));
      c30 = mul_add(c30, v3, b0);
      c31 = mul_add(c31, v3, b1);
    }
  }
  return Acc4x16{{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}};
}

// Requantizes `rows` rows of sums and stores `columns` bytes of each.
inline void store_requantized(const Acc4x16& acc, size_t rows, size_t columns,
                              const float* multipliers, const QConvOutput& output, int8_t* y,
                              size_t y_stride) {
  const __m256 m0 = _mm256_loadu_ps(multipliers), m1 = _mm256_loadu_ps(multipliers + 8);
  const Int8RequantizeAvx2 requantize(output.zero_point, output.range);
  for (size_t r = 0; r < rows; ++r) {
    const __m128i out = requantize.bytes16(acc.c[r][0], acc.c[r][1], m0, m1);
    if (columns == kQConvNr) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + r * y_stride), out);
    } else {
      alignas(16) int8_t bytes[kQConvNr];
      _mm_store_si128(reinterpret_cast<__m128i*>(bytes), out);
      std::memcpy(y + r * y_stride, bytes, columns);
    }
  }
}

template <typename MulAdd>
inline void qconv_4x16(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                       const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                       const QConvOutput& output, MulAdd mul_add) {
  const QConvPanel p = qconv_panel(panel, taps, padded_channels);
  store_requantized(accumulate(taps, padded_channels, a, p, mul_add), rows, columns,
                    p.multipliers, output, y, y_stride);
}

template <typename MulAdd>
inline void qgemm_4x16_i32(size_t rows, size_t columns, size_t padded_channels,
                           const int16_t* const* a, const void* panel, int32_t* c,
                           size_t c_stride, MulAdd mul_add) {
  const Acc4x16 acc =
      accumulate(1, padded_channels, a, qconv_panel(panel, 1, padded_channels), mul_add);
  for (size_t r = 0; r < rows; ++r) {
    int32_t* row = c + r * c_stride;
    if (columns == kQConvNr) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row), acc.c[r][0]);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + 8), acc.c[r][1]);
    } else {
      alignas(32) int32_t values[kQConvNr];
      _mm256_store_si256(reinterpret_cast<__m256i*>(values), acc.c[r][0]);
      _mm256_store_si256(reinterpret_cast<__m256i*>(values + 8), acc.c[r][1]);
      std::memcpy(row, values, columns * sizeof(int32_t));
    }
  }
}

}  // namespace sprig::cpu::qconv_x86
