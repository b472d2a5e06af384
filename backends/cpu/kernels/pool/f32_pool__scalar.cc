// Max and average pooling kernels for simd::Scalar.
#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/pool/pool_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_POOL_KERNELS(scalar, simd::Scalar)

}  // namespace sprig::cpu
