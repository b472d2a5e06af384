#include <immintrin.h>

#include <cstring>

#include "backends/cpu/kernels/int8/int8_requantize__avx2.h"
#include "backends/cpu/kernels/qdwconv/qdwconv.h"

namespace sprig::cpu {
namespace {

// Channels [c0, c0 + count) of one input pixel minus the zero point as 16 int16 (0 for a padding
// tap; lanes past count hold -x_zero, which meet zero weights).
inline __m256i load_widened(const int8_t* pixel, size_t c0, size_t count, __m256i zero) {
  if (pixel == nullptr) return _mm256_setzero_si256();
  __m128i bytes;
  if (count == kQDwConvBlock) {
    bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pixel + c0));
  } else {
    alignas(16) int8_t part[kQDwConvBlock] = {};
    std::memcpy(part, pixel + c0, count);
    bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(part));
  }
  return _mm256_sub_epi16(_mm256_cvtepi8_epi16(bytes), zero);
}

}  // namespace

void qdwconv__avx2_fma(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                       const void* packed, int8_t* y, const QConvOutput& output) {
  const size_t pairs = (taps + 1) / 2;
  const size_t block_bytes = qdwconv_block_bytes(taps);
  const __m256i zero = _mm256_set1_epi16(static_cast<int16_t>(x_zero));
  const Int8RequantizeAvx2 requantize(output.zero_point, output.range);
  const uint8_t* block = static_cast<const uint8_t*>(packed);
  for (size_t c0 = 0; c0 < channels; c0 += kQDwConvBlock, block += block_bytes) {
    const size_t count = channels - c0 < kQDwConvBlock ? channels - c0 : kQDwConvBlock;
    const int16_t* w = reinterpret_cast<const int16_t*>(block);
    __m256i acc_lo = _mm256_setzero_si256(), acc_hi = _mm256_setzero_si256();
    for (size_t p = 0; p < pairs; ++p, w += 32) {
      const __m256i x0 = load_widened(x[2 * p], c0, count, zero);
      const __m256i x1 =
          2 * p + 1 < taps ? load_widened(x[2 * p + 1], c0, count, zero) : _mm256_setzero_si256();
      const __m256i w_lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(w));
      const __m256i w_hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(w + 16));
      acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w_lo));
      acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), w_hi));
    }
    const int32_t* bias = reinterpret_cast<const int32_t*>(w);
    const float* multipliers = reinterpret_cast<const float*>(bias + kQDwConvBlock);
    const __m256i a0 = _mm256_add_epi32(_mm256_permute2x128_si256(acc_lo, acc_hi, 0x20),
                                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias)));
    const __m256i a1 =
        _mm256_add_epi32(_mm256_permute2x128_si256(acc_lo, acc_hi, 0x31),
                         _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8)));
    const __m128i out = requantize.bytes16(a0, a1, _mm256_loadu_ps(multipliers),
                                           _mm256_loadu_ps(multipliers + 8));
    if (count == kQDwConvBlock) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + c0), out);
    } else {
      alignas(16) int8_t bytes[kQDwConvBlock];
      _mm_store_si128(reinterpret_cast<__m128i*>(bytes), out);
      std::memcpy(y + c0, bytes, count);
    }
  }
}

}  // namespace sprig::cpu
