// Picks the float-weight product kernels from the CPU's features.
#include "backends/cpu/kernels/fgemv/fgemv.h"

namespace sprig::cpu {

FGemvKernels select_fgemv_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return FGemvKernels{f32w_gemv__avx2_fma, f16w_gemv__avx2_fma, "fgemv__avx2_fma"};
#elif defined(__aarch64__) || defined(__arm__)
  if (features.neon && features.neon_fma) return FGemvKernels{f32w_gemv__neon, f16w_gemv__neon, "fgemv__neon"};
#endif
  (void)features;
  return FGemvKernels{f32w_gemv__scalar, f16w_gemv__scalar, "fgemv__scalar"};
}

}  // namespace sprig::cpu
