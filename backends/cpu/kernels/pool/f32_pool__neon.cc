// Max and average pooling kernels for simd::Neon.
#include "backends/cpu/kernels/common/simd_neon.h"
#include "backends/cpu/kernels/pool/pool_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_POOL_KERNELS(neon, simd::Neon)

}  // namespace sprig::cpu
