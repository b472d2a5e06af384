// Scaled dot-product attention of one query row of one head over rows of keys and values (a KV
// cache), per instruction set, and the table that picks them from the CPU's features.
#pragma once

#include <cstddef>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

// y[0, d) = sum_{s < visible} softmax_s(scale * q . k_s) * v_s, where k_s = k + s * kv_stride and
// v_s = v + s * kv_stride (d floats each). One pass over the keys (softmax normalized online, in
// blocks); no scratch. visible >= 1.
using f32_attention_fn = void (*)(const float* q, const float* k, const float* v, size_t visible,
                                  size_t d, size_t kv_stride, float scale, float* y);

f32_attention_fn f32_attention_kernel(const CpuFeatures& features);

void f32_attention__scalar(const float* q, const float* k, const float* v, size_t visible,
                           size_t d, size_t kv_stride, float scale, float* y);
#if defined(__x86_64__)
void f32_attention__avx2_fma(const float* q, const float* k, const float* v, size_t visible,
                             size_t d, size_t kv_stride, float scale, float* y);
#endif
#if defined(__aarch64__) || defined(__arm__)
void f32_attention__neon(const float* q, const float* k, const float* v, size_t visible,
                         size_t d, size_t kv_stride, float scale, float* y);
#endif

}  // namespace sprig::cpu
