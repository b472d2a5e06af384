// The softmax kernel for simd::Scalar.
#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/softmax/softmax_impl.h"

namespace sprig::cpu {

void f32_softmax__scalar(size_t length, size_t inner, size_t count, const float* x, float* y) {
  softmax_impl::softmax<simd::Scalar>(length, inner, count, x, y);
}

}  // namespace sprig::cpu
