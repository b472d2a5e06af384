// Picks the softmax kernel for the CPU's features.
#include "backends/cpu/kernels/softmax/softmax.h"

namespace sprig::cpu {

f32_softmax_fn f32_softmax_kernel(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return f32_softmax__avx2_fma;
#endif
#if defined(__aarch64__) || defined(__arm__)
  if (features.neon && features.neon_fma) return f32_softmax__neon;
#endif
  (void)features;
  return f32_softmax__scalar;
}

}  // namespace sprig::cpu
