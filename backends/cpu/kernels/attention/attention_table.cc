// Picks the attention kernels for the CPU's features.
#include "backends/cpu/kernels/attention/attention.h"

namespace sprig::cpu {

f32_attention_fn f32_attention_kernel(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return f32_attention__avx2_fma;
#endif
#if defined(__aarch64__) || defined(__arm__)
  if (features.neon && features.neon_fma) return f32_attention__neon;
#endif
  (void)features;
  return f32_attention__scalar;
}

f16_cache_attention_fn f16_cache_attention_kernel(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return f16_cache_attention__avx2_fma;
#endif
#if defined(__aarch64__) || defined(__arm__)
  if (features.neon && features.neon_fma) return f16_cache_attention__neon;
#endif
  (void)features;
  return f16_cache_attention__scalar;
}

}  // namespace sprig::cpu
