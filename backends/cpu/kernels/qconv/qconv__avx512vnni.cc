#include <immintrin.h>

#include "backends/cpu/kernels/qconv/qconv.h"
#include "backends/cpu/kernels/qconv/qconv_x86_impl.h"

namespace sprig::cpu {
namespace {

// One instruction for AVX2's vpmaddwd + vpaddd (AVX512-VNNI on 256-bit vectors, AVX512VL).
inline __m256i dpwssd(__m256i acc, __m256i a, __m256i b) { return _mm256_dpwssd_epi32(acc, a, b); }

}  // namespace

void qconv_4x16__avx512vnni(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                            const int16_t* const* a, const void* panel, int8_t* y,
                            size_t y_stride, const QConvOutput& output) {
  qconv_x86::qconv_4x16(rows, columns, taps, padded_channels, a, panel, y, y_stride, output,
                        dpwssd);
}

void qgemm_4x16_i32__avx512vnni(size_t rows, size_t columns, size_t padded_channels,
                                const int16_t* const* a, const void* panel, int32_t* c,
                                size_t c_stride) {
  qconv_x86::qgemm_4x16_i32(rows, columns, padded_channels, a, panel, c, c_stride, dpwssd);
}

}  // namespace sprig::cpu
