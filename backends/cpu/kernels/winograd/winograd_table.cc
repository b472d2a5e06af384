// Picks the Winograd transforms from the CPU's features.
#include "backends/cpu/kernels/winograd/winograd.h"

namespace sprig::cpu {

F32WinogradKernels select_f32_winograd_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma)
    return F32WinogradKernels{f32_winograd_f4x4_3x3_input__avx2_fma,
                              f32_winograd_f4x4_3x3_output__avx2_fma, "f4x4_3x3__avx2_fma"};
#elif defined(__aarch64__) || defined(__arm__)
  if (features.neon_fma)
    return F32WinogradKernels{f32_winograd_f4x4_3x3_input__neon, f32_winograd_f4x4_3x3_output__neon,
                              "f4x4_3x3__neon"};
#endif
  (void)features;
  return F32WinogradKernels{f32_winograd_f4x4_3x3_input__scalar,
                            f32_winograd_f4x4_3x3_output__scalar, "f4x4_3x3__scalar"};
}

}  // namespace sprig::cpu
