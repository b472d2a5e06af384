// Scaled dot-product attention of one query row of one head over rows of keys and values (a KV
// cache, F32 or F16), per instruction set, and the tables that pick them from the CPU's features.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

// y[0, d) = sum_{s < visible} softmax_s(scale * q . k_s) * v_s, where k_s = k + s * kv_stride and
// v_s = v + s * kv_stride (d floats each). One pass over the keys (softmax normalized online, in
// blocks); no scratch. visible >= 1.
using f32_attention_fn = void (*)(const float* q, const float* k, const float* v, size_t visible,
                                  size_t d, size_t kv_stride, float scale, float* y);

// The same over keys and values stored as IEEE halves (an F16 KV cache).
using f16_cache_attention_fn = void (*)(const float* q, const uint16_t* k, const uint16_t* v,
                                        size_t visible, size_t d, size_t kv_stride, float scale,
                                        float* y);

f32_attention_fn f32_attention_kernel(const CpuFeatures& features);
f16_cache_attention_fn f16_cache_attention_kernel(const CpuFeatures& features);

void f32_attention__scalar(const float* q, const float* k, const float* v, size_t visible,
                           size_t d, size_t kv_stride, float scale, float* y);
void f16_cache_attention__scalar(const float* q, const uint16_t* k, const uint16_t* v,
                                size_t visible, size_t d, size_t kv_stride, float scale, float* y);
#if defined(__x86_64__)
void f32_attention__avx2_fma(const float* q, const float* k, const float* v, size_t visible,
                             size_t d, size_t kv_stride, float scale, float* y);
void f16_cache_attention__avx2_fma(const float* q, const uint16_t* k, const uint16_t* v,
                                size_t visible, size_t d, size_t kv_stride, float scale, float* y);
#endif
#if defined(__aarch64__) || defined(__arm__)
void f32_attention__neon(const float* q, const float* k, const float* v, size_t visible,
                         size_t d, size_t kv_stride, float scale, float* y);
void f16_cache_attention__neon(const float* q, const uint16_t* k, const uint16_t* v,
                                size_t visible, size_t d, size_t kv_stride, float scale, float* y);
#endif

}  // namespace sprig::cpu
