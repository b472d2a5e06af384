// Picks the Winograd transforms from the tile size and the CPU's features.
#include "backends/cpu/kernels/winograd/winograd.h"

namespace sprig::cpu {
namespace {

#define SPRIG_WINOGRAD_KERNELS(tile, t, isa)                                         \
  F32WinogradKernels {                                                               \
    tile, f32_winograd_##t##_3x3_input__##isa, f32_winograd_##t##_3x3_output__##isa, \
        #t "_3x3__" #isa                                                             \
  }

}  // namespace

F32WinogradKernels select_f32_winograd_kernels(const CpuFeatures& features, WinogradTile tile) {
  const bool f4 = tile == WinogradTile::kF4x4;
#if defined(__x86_64__)
  if (features.avx2_fma)
    return f4 ? SPRIG_WINOGRAD_KERNELS(tile, f4x4, avx2_fma)
              : SPRIG_WINOGRAD_KERNELS(tile, f2x2, avx2_fma);
#elif defined(__aarch64__) || defined(__arm__)
  if (features.neon_fma)
    return f4 ? SPRIG_WINOGRAD_KERNELS(tile, f4x4, neon) : SPRIG_WINOGRAD_KERNELS(tile, f2x2, neon);
#endif
  (void)features;
  return f4 ? SPRIG_WINOGRAD_KERNELS(tile, f4x4, scalar)
            : SPRIG_WINOGRAD_KERNELS(tile, f2x2, scalar);
}

#undef SPRIG_WINOGRAD_KERNELS

}  // namespace sprig::cpu
