// The elementwise kernels (activations and binary ops) for simd::Neon.
#include "backends/cpu/kernels/common/simd_neon.h"
#include "backends/cpu/kernels/elementwise/elementwise_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_ELEMENTWISE_KERNELS(neon, simd::Neon)

}  // namespace sprig::cpu
