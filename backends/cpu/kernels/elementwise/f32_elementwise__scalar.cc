// The elementwise kernels (activations and binary ops) for simd::Scalar.
#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/elementwise/elementwise_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_ELEMENTWISE_KERNELS(scalar, simd::Scalar)

}  // namespace sprig::cpu
