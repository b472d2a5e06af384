// Packing GEMM weights into NR-column panels (see gemm.h), converting F16/BF16 to f32.
#include <cstring>

#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {

float f32_weight_at(DType dtype, const void* data, size_t i) {
  switch (dtype) {
    case DType::F16:
      return f16_to_f32(static_cast<const uint16_t*>(data)[i]);
    case DType::BF16:
      return bf16_to_f32(static_cast<const uint16_t*>(data)[i]);
    default:
      return static_cast<const float*>(data)[i];
  }
}

size_t f32_gemm_packed_b_size(size_t k, size_t n, size_t nr) { return (n + nr - 1) / nr * nr * k; }

void f32_gemm_pack_b_nk(size_t k, size_t n, size_t nr, DType src_dtype, const void* src,
                        size_t src_stride, float* packed) {
  for (size_t n0 = 0; n0 < n; n0 += nr) {
    float* panel = packed + n0 * k;
    for (size_t j = 0; j < nr; ++j) {
      if (n0 + j < n) {
        const size_t row = (n0 + j) * src_stride;
        for (size_t kk = 0; kk < k; ++kk)
          panel[kk * nr + j] = f32_weight_at(src_dtype, src, row + kk);
      } else {
        for (size_t kk = 0; kk < k; ++kk) panel[kk * nr + j] = 0.0f;
      }
    }
  }
}

void f32_gemm_pack_b_kn(size_t k, size_t n, size_t nr, const float* src, size_t src_stride,
                        float* packed) {
  for (size_t n0 = 0; n0 < n; n0 += nr) {
    float* panel = packed + n0 * k;
    const size_t cols = n - n0 < nr ? n - n0 : nr;
    for (size_t kk = 0; kk < k; ++kk) {
      std::memcpy(panel + kk * nr, src + kk * src_stride + n0, cols * sizeof(float));
      for (size_t j = cols; j < nr; ++j) panel[kk * nr + j] = 0.0f;
    }
  }
}

}  // namespace sprig::cpu
