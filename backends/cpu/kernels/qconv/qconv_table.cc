// Picks the int8 convolution kernels from the CPU's features.
#include "backends/cpu/kernels/qconv/qconv.h"

namespace sprig::cpu {

QConvKernels select_qconv_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma && features.avx512_vnni)
    return {qconv_widen__avx2_fma, qconv_4x16__avx512vnni, qgemm_4x16_i32__avx512vnni,
            "qconv_dot_4x16__avx512vnni", qconv_dot_4x16__avx512vnni, 128};
  if (features.avx2_fma)
    return {qconv_widen__avx2_fma, qconv_4x16__avx2_fma, qgemm_4x16_i32__avx2_fma,
            "qconv_4x16__avx2_fma"};
#elif defined(__aarch64__)
  if (features.neon_fma && features.neon_dotprod)
    return {qconv_widen__neon, qconv_4x16__neon, qgemm_4x16_i32__neon, "qconv_dot_4x16__neondot",
            qconv_dot_4x16__neondot};
  if (features.neon_fma)
    return {qconv_widen__neon, qconv_4x16__neon, qgemm_4x16_i32__neon, "qconv_4x16__neon"};
#endif
  (void)features;
  return {qconv_widen__scalar, qconv_4x16__scalar, qgemm_4x16_i32__scalar, "qconv_4x16__scalar"};
}

}  // namespace sprig::cpu
