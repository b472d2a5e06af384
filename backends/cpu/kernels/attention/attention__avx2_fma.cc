// The attention kernels (F32 and F16 caches) for simd::Avx2.
#include "backends/cpu/kernels/attention/attention_impl.h"
#include "backends/cpu/kernels/common/simd_avx2.h"

namespace sprig::cpu {

void f32_attention__avx2_fma(const float* q, const float* k, const float* v, size_t visible, size_t d,
                         size_t kv_stride, float scale, float* y) {
  attention_impl::attend<simd::Avx2>(q, k, v, visible, d, kv_stride, scale, y);
}

void f16_cache_attention__avx2_fma(const float* q, const uint16_t* k, const uint16_t* v,
                                size_t visible, size_t d, size_t kv_stride, float scale, float* y) {
  attention_impl::attend<simd::Avx2>(q, k, v, visible, d, kv_stride, scale, y);
}

}  // namespace sprig::cpu
