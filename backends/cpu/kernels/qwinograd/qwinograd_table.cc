// Picks the int8 Winograd transforms from the CPU's features.
#include "backends/cpu/kernels/qwinograd/qwinograd.h"

namespace sprig::cpu {

QWinogradKernels select_qwinograd_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma)
    return {qwinograd_input__avx2_fma, qwinograd_output__avx2_fma, "qwinograd_f2x2__avx2_fma"};
#endif
  (void)features;
  return {qwinograd_input__scalar, qwinograd_output__scalar, "qwinograd_f2x2__scalar"};
}

}  // namespace sprig::cpu
