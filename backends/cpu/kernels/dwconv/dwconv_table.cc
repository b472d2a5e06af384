// Picks the depthwise convolution kernels for the CPU's features.
#include "backends/cpu/kernels/dwconv/dwconv.h"

namespace sprig::cpu {

const DwConvKernels& f32_dwconv_kernels(const CpuFeatures& features) {
#if defined(__x86_64__)
  static const DwConvKernels kAvx2 = {8,
                                      f32_dwconv3x3s1__avx2_fma,
                                      f32_dwconv3x3s2__avx2_fma,
                                      f32_dwconv5x5s1__avx2_fma,
                                      f32_dwconv5x5s2__avx2_fma,
                                      f32_dwconv__avx2_fma};
  if (features.avx2_fma) return kAvx2;
#endif
#if defined(__aarch64__) || defined(__arm__)
  static const DwConvKernels kNeon = {4,
                                      f32_dwconv3x3s1__neon,
                                      f32_dwconv3x3s2__neon,
                                      f32_dwconv5x5s1__neon,
                                      f32_dwconv5x5s2__neon,
                                      f32_dwconv__neon};
  if (features.neon && features.neon_fma) return kNeon;
#endif
  static const DwConvKernels kScalar = {1,
                                        f32_dwconv3x3s1__scalar,
                                        f32_dwconv3x3s2__scalar,
                                        f32_dwconv5x5s1__scalar,
                                        f32_dwconv5x5s2__scalar,
                                        f32_dwconv__scalar};
  (void)features;
  return kScalar;
}

}  // namespace sprig::cpu
