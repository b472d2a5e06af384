// Picks the quantized GEMV kernels from the CPU's features.
#include "backends/cpu/kernels/qgemv/qgemv.h"

namespace sprig::cpu {

QGemvKernels select_qgemv_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma && features.avx512_vnni)
    return QGemvKernels{q8c_gemv_f32__avx2_fma, q4g_gemv_f32__avx2_fma, true,
                        "qgemv_f32__avx2_fma",  q8c_gemv_q8__avx512vnni, q4g_gemv_q8__avx512vnni,
                        "qgemv_q8__avx512vnni"};
  if (features.avx2_fma)
    return QGemvKernels{q8c_gemv_f32__avx2_fma, q4g_gemv_f32__avx2_fma, true,
                        "qgemv_f32__avx2_fma",  q8c_gemv_q8__avx2_fma, q4g_gemv_q8__avx2_fma,
                        "qgemv_q8__avx2_fma"};
#elif defined(__aarch64__)
  if (features.neon_fma && features.neon_dotprod)
    return QGemvKernels{q8c_gemv_f32__neon, q4g_gemv_f32__neon, true, "qgemv_f32__neon",
                        q8c_gemv_q8__neondot, q4g_gemv_q8__neondot, "qgemv_q8__neondot"};
  if (features.neon_fma)
    return QGemvKernels{q8c_gemv_f32__neon, q4g_gemv_f32__neon, true, "qgemv_f32__neon"};
#elif defined(__arm__)
  if (features.neon_fma)
    return QGemvKernels{q8c_gemv_f32__neon, q4g_gemv_f32__neon, true, "qgemv_f32__neon"};
#endif
  (void)features;
  return QGemvKernels{q8c_gemv_f32__scalar, q4g_gemv_f32__scalar, false, "qgemv_f32__scalar"};
}

}  // namespace sprig::cpu
