// The elementwise kernels (activations and binary ops) for simd::Avx2.
#include "backends/cpu/kernels/common/simd_avx2.h"
#include "backends/cpu/kernels/elementwise/elementwise_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_ELEMENTWISE_KERNELS(avx2_fma, simd::Avx2)

}  // namespace sprig::cpu
