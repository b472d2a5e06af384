// Depthwise convolution row kernels for simd::Neon.
#include "backends/cpu/kernels/common/simd_neon.h"
#include "backends/cpu/kernels/dwconv/dwconv_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_DWCONV_KERNELS(neon, simd::Neon)

}  // namespace sprig::cpu
