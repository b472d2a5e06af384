// 4x8 f32 GEMM microkernel in portable C++ (the fallback on every machine).
#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {

void f32_gemm_4x8__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                          const float* b, const float* bias, float* c, size_t c_stride, float min,
                          float max) {
  constexpr size_t kMr = 4, kNr = 8;
  float acc[kMr][kNr];
  for (size_t i = 0; i < kMr; ++i)
    for (size_t j = 0; j < kNr; ++j)
      acc[i][j] = bias != nullptr ? bias[j] : (i < mr && j < nc ? c[i * c_stride + j] : 0.0f);
  const float* rows[kMr];
  for (size_t i = 0; i < kMr; ++i) rows[i] = a + (i < mr ? i : mr - 1) * a_stride;
  for (size_t k = 0; k < kc; ++k, b += kNr) {
    for (size_t i = 0; i < kMr; ++i) {
      const float ai = rows[i][k];
      for (size_t j = 0; j < kNr; ++j) acc[i][j] += ai * b[j];
    }
  }
  for (size_t i = 0; i < mr; ++i)
    for (size_t j = 0; j < nc; ++j) {
      float v = acc[i][j] < min ? min : acc[i][j];
      c[i * c_stride + j] = v > max ? max : v;
    }
}

}  // namespace sprig::cpu
