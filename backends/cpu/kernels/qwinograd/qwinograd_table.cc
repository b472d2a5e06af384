// Picks the int8 Winograd transforms from the CPU's features and the tile.
#include "backends/cpu/kernels/qwinograd/qwinograd.h"

namespace sprig::cpu {

QWinogradKernels select_qwinograd_kernels(const CpuFeatures& features, QWinogradTile tile) {
  const bool f4 = tile == QWinogradTile::kF4x4;
#if defined(__x86_64__)
  if (features.avx2_fma) {
    return f4 ? QWinogradKernels{qwinograd_f4x4_input__avx2_fma, qwinograd_f4x4_output__avx2_fma,
                                 "qwinograd_f4x4__avx2_fma"}
              : QWinogradKernels{qwinograd_f2x2_input__avx2_fma, qwinograd_f2x2_output__avx2_fma,
                                 "qwinograd_f2x2__avx2_fma"};
  }
#elif defined(__aarch64__)
  if (features.neon_fma) {
    return f4 ? QWinogradKernels{qwinograd_f4x4_input__neon, qwinograd_f4x4_output__neon,
                                 "qwinograd_f4x4__neon"}
              : QWinogradKernels{qwinograd_f2x2_input__neon, qwinograd_f2x2_output__neon,
                                 "qwinograd_f2x2__neon"};
  }
#endif
  (void)features;
  return f4 ? QWinogradKernels{qwinograd_f4x4_input__scalar, qwinograd_f4x4_output__scalar,
                               "qwinograd_f4x4__scalar"}
            : QWinogradKernels{qwinograd_f2x2_input__scalar, qwinograd_f2x2_output__scalar,
                               "qwinograd_f2x2__scalar"};
}

}  // namespace sprig::cpu
