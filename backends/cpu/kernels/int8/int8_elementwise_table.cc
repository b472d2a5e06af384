// Picks the element-wise int8 kernels from the CPU's features.
#include "backends/cpu/kernels/int8/int8_elementwise.h"

namespace sprig::cpu {

Int8ElementwiseKernels select_int8_elementwise_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma)
    return {int8_add__avx2_fma, int8_quantize__avx2_fma, int8_dequantize__avx2_fma,
            "int8_elementwise__avx2_fma"};
#elif defined(__aarch64__)
  if (features.neon_fma)
    return {int8_add__neon, int8_quantize__neon, int8_dequantize__neon, "int8_elementwise__neon"};
#endif
  (void)features;
  return {int8_add__scalar, int8_quantize__scalar, int8_dequantize__scalar,
          "int8_elementwise__scalar"};
}

}  // namespace sprig::cpu
