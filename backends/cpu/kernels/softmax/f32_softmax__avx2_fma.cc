// The softmax kernel for simd::Avx2.
#include "backends/cpu/kernels/common/simd_avx2.h"
#include "backends/cpu/kernels/softmax/softmax_impl.h"

namespace sprig::cpu {

void f32_softmax__avx2_fma(size_t length, size_t inner, size_t count, const float* x, float* y) {
  softmax_impl::softmax<simd::Avx2>(length, inner, count, x, y);
}

}  // namespace sprig::cpu
