// Picks the int8 depthwise convolution kernel from the CPU's features.
#include "backends/cpu/kernels/qdwconv/qdwconv.h"

namespace sprig::cpu {

QDwConvKernels select_qdwconv_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return {qdwconv__avx2_fma, "qdwconv__avx2_fma"};
#elif defined(__aarch64__)
  if (features.neon_fma) return {qdwconv__neon, "qdwconv__neon"};
#endif
  (void)features;
  return {qdwconv__scalar, "qdwconv__scalar"};
}

}  // namespace sprig::cpu
