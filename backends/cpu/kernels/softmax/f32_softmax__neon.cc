// The softmax kernel for simd::Neon.
#include "backends/cpu/kernels/common/simd_neon.h"
#include "backends/cpu/kernels/softmax/softmax_impl.h"

namespace sprig::cpu {

void f32_softmax__neon(size_t length, size_t inner, size_t count, const float* x, float* y) {
  softmax_impl::softmax<simd::Neon>(length, inner, count, x, y);
}

}  // namespace sprig::cpu
