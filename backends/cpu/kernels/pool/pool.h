// Pooling kernels on NHWC activations: one output pixel per call, reducing a rectangle of input
// pixels over `channels` contiguous channels, per instruction set, and the table that picks them.
#pragma once

#include <cstddef>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

// The window is rows x cols input pixels: pixel (r, q) starts at in + r*row_stride + q*col_stride
// (in floats). An empty window (rows or cols 0) gives -infinity (max) or 0 (average).
// Max: the largest value, a NaN wins. Average: the sum times `scale`.
using f32_maxpool_fn = void (*)(size_t channels, const float* in, size_t rows, size_t cols,
                                size_t row_stride, size_t col_stride, float* out);
using f32_avgpool_fn = void (*)(size_t channels, const float* in, size_t rows, size_t cols,
                                size_t row_stride, size_t col_stride, float scale, float* out);

struct PoolKernels {
  f32_maxpool_fn maxpool;
  f32_avgpool_fn avgpool;
};

const PoolKernels& f32_pool_kernels(const CpuFeatures& features);

#define SPRIG_DECLARE_POOL_KERNELS(isa)                                               \
  void f32_maxpool__##isa(size_t channels, const float* in, size_t rows, size_t cols, \
                          size_t row_stride, size_t col_stride, float* out);          \
  void f32_avgpool__##isa(size_t channels, const float* in, size_t rows, size_t cols, \
                          size_t row_stride, size_t col_stride, float scale, float* out);

SPRIG_DECLARE_POOL_KERNELS(scalar)
#if defined(__x86_64__)
SPRIG_DECLARE_POOL_KERNELS(avx2_fma)
#endif
#if defined(__aarch64__) || defined(__arm__)
SPRIG_DECLARE_POOL_KERNELS(neon)
#endif

}  // namespace sprig::cpu
