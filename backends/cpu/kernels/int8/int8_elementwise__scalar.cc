#include "backends/cpu/kernels/int8/int8_elementwise.h"

namespace sprig::cpu {

void int8_add__scalar(const int8_t* a, const int8_t* b, int8_t* y, size_t n,
                      const Int8AddParams& p) {
  for (size_t i = 0; i < n; ++i)
    y[i] = int8_add(a[i] - p.a_zero_point, b[i] - p.b_zero_point, p.a_multiplier, p.b_multiplier,
                    p.y_zero_point, p.range);
}

void int8_quantize__scalar(const float* x, int8_t* y, size_t n, float inverse_scale,
                           int32_t zero_point) {
  for (size_t i = 0; i < n; ++i) y[i] = int8_quantize(x[i], inverse_scale, zero_point);
}

void int8_dequantize__scalar(const int8_t* x, float* y, size_t n, float scale,
                             int32_t zero_point) {
  for (size_t i = 0; i < n; ++i) y[i] = int8_dequantize(x[i], scale, zero_point);
}

}  // namespace sprig::cpu
