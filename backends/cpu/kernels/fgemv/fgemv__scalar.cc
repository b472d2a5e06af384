// The float-weight products for simd::Scalar.
#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/fgemv/fgemv_impl.h"

namespace sprig::cpu {

void f32w_gemv__scalar(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1) {
  fgemv_impl::gemv<simd::Scalar>(w.f32, args, w.k, n0, n1);
}

void f16w_gemv__scalar(const FloatMatrix& w, const FGemvArgs& args, size_t n0, size_t n1) {
  fgemv_impl::gemv<simd::Scalar>(w.f16, args, w.k, n0, n1);
}

}  // namespace sprig::cpu
