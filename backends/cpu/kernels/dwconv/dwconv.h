// Depthwise convolution kernels on NHWC activations: one output row (or a channel range of it)
// per call, per instruction set, and the table that picks them from the CPU's features.
#pragma once

#include <cstddef>

#include "backends/cpu/cpu_features.h"

namespace sprig::cpu {

// Weights are packed per block of `block` channels (DwConvKernels::block):
//   packed[b * (KH*KW + 1) * block + t * block + j] = w[b*block + j, t]   (t = kh*KW + kw)
//   packed[b * (KH*KW + 1) * block + KH*KW * block + j] = bias[b*block + j]
// zero past the last channel. With block 1 the channel is the output channel (multiplier > 1).
struct DwConvRowArgs {
  // kernel_h input rows, each at pixel 0 channel 0 of the row the tap row kh reads; rows outside
  // the input point at a row of zeros (in_w * in_channels floats).
  const float* const* rows;
  float* output;         // the output row at pixel 0, channel 0
  const float* weights;  // packed weights, from block 0
  size_t in_w;
  size_t out_w;
  size_t in_channels;   // the input's pixel stride in floats
  size_t out_channels;  // the output's pixel stride in floats (in_channels * multiplier)
  size_t c_begin;       // the output channels to compute: c_begin is a multiple of block
  size_t c_end;
  int kernel_h;
  int kernel_w;
  int stride_w;
  int dilation_w;
  int pad_left;
  int multiplier;  // output channels per input channel: 1 except for the _multiplier kernel
  float min;       // output clamp
  float max;
};
using f32_dwconv_row_fn = void (*)(const DwConvRowArgs& args);

struct DwConvKernels {
  size_t block;              // channels per packed block
  f32_dwconv_row_fn k3x3s1;  // 3x3, stride_w 1, dilation 1
  f32_dwconv_row_fn k3x3s2;  // 3x3, stride_w 2, dilation 1
  f32_dwconv_row_fn k5x5s1;
  f32_dwconv_row_fn k5x5s2;
  f32_dwconv_row_fn any;  // any kernel, stride and dilation (multiplier 1)
};

// The kernels for the CPU's features (multiplier 1).
const DwConvKernels& f32_dwconv_kernels(const CpuFeatures& features);

// Any kernel with multiplier >= 1, on weights packed with block 1.
void f32_dwconv_multiplier__scalar(const DwConvRowArgs& args);

#define SPRIG_DECLARE_DWCONV_KERNELS(isa)                 \
  void f32_dwconv3x3s1__##isa(const DwConvRowArgs& args); \
  void f32_dwconv3x3s2__##isa(const DwConvRowArgs& args); \
  void f32_dwconv5x5s1__##isa(const DwConvRowArgs& args); \
  void f32_dwconv5x5s2__##isa(const DwConvRowArgs& args); \
  void f32_dwconv__##isa(const DwConvRowArgs& args);

SPRIG_DECLARE_DWCONV_KERNELS(scalar)
#if defined(__x86_64__)
SPRIG_DECLARE_DWCONV_KERNELS(avx2_fma)
#endif
#if defined(__aarch64__) || defined(__arm__)
SPRIG_DECLARE_DWCONV_KERNELS(neon)
#endif

}  // namespace sprig::cpu
