// Depthwise convolution row kernels for simd::Avx2.
#include "backends/cpu/kernels/common/simd_avx2.h"
#include "backends/cpu/kernels/dwconv/dwconv_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_DWCONV_KERNELS(avx2_fma, simd::Avx2)

}  // namespace sprig::cpu
