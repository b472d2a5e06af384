// Softmax kernels: one slice x[c * inner + i] (c < length, i in a range of inner) per call, per
// instruction set, and the table that picks them from the CPU's features.
#pragma once

#include <cstddef>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

// y[c*inner + i] = exp(x[c*inner + i] - max_c) / sum_c exp(...) for c < length, i < count: count
// columns of a slice whose rows are `inner` floats apart (count is 1 when inner is 1). y may be x.
using f32_softmax_fn = void (*)(size_t length, size_t inner, size_t count, const float* x,
                                float* y);

f32_softmax_fn f32_softmax_kernel(const CpuFeatures& features);

void f32_softmax__scalar(size_t length, size_t inner, size_t count, const float* x, float* y);
#if defined(__x86_64__)
void f32_softmax__avx2_fma(size_t length, size_t inner, size_t count, const float* x, float* y);
#endif
#if defined(__aarch64__) || defined(__arm__)
void f32_softmax__neon(size_t length, size_t inner, size_t count, const float* x, float* y);
#endif

}  // namespace sprig::cpu
