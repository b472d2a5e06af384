// The elementwise kernels (activations and binary ops) for simd::Avx2.
#include "backends/cpu/kernels/elementwise/elementwise_impl.h"
#include "backends/cpu/kernels/elementwise/simd_avx2.h"

namespace sprig::cpu {

SPRIG_DEFINE_ELEMENTWISE_KERNELS(avx2_fma, simd::Avx2)

}  // namespace sprig::cpu
