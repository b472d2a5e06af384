// Depthwise convolution row kernels for simd::Neon.
#include "backends/cpu/kernels/dwconv/dwconv_impl.h"
#include "backends/cpu/kernels/elementwise/simd_neon.h"

namespace sprig::cpu {

SPRIG_DEFINE_DWCONV_KERNELS(neon, simd::Neon)

}  // namespace sprig::cpu
