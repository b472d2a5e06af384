// Picks the pooling kernels for the CPU's features.
#include "backends/cpu/kernels/pool/pool.h"

namespace sprig::cpu {

const PoolKernels& f32_pool_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  static const PoolKernels kAvx2 = {f32_maxpool__avx2_fma, f32_avgpool__avx2_fma};
  if (features.avx2_fma) return kAvx2;
#endif
#if defined(__aarch64__) || defined(__arm__)
  static const PoolKernels kNeon = {f32_maxpool__neon, f32_avgpool__neon};
  if (features.neon && features.neon_fma) return kNeon;
#endif
  static const PoolKernels kScalar = {f32_maxpool__scalar, f32_avgpool__scalar};
  (void)features;
  return kScalar;
}

}  // namespace sprig::cpu
