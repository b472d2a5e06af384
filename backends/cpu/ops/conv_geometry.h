// The geometry (kernels/conv/im2col.h's ConvGeometry) of a checked Conv2D op on NHWC tensors.
#pragma once

#include "backends/cpu/cpu_op.h"
#include "backends/cpu/kernels/conv/im2col.h"

namespace sprig::cpu {

inline ConvGeometry conv_geometry(const OpSignature& op) {
  const fb::Conv2DOptions& o = *op.op->options_as_Conv2DOptions();
  const Shape& x = op.inputs[0]->shape;
  const Shape& w = op.inputs[1]->shape;
  const Shape& y = op.outputs[0]->shape;
  ConvGeometry g;
  g.batch = static_cast<size_t>(x[0]);
  g.in_h = static_cast<size_t>(x[1]);
  g.in_w = static_cast<size_t>(x[2]);
  g.in_c = static_cast<size_t>(x[3]);
  g.out_h = static_cast<size_t>(y[1]);
  g.out_w = static_cast<size_t>(y[2]);
  g.out_c = static_cast<size_t>(y[3]);
  g.kernel_h = static_cast<size_t>(w[1]);
  g.kernel_w = static_cast<size_t>(w[2]);
  g.stride_h = static_cast<size_t>(o.stride_h());
  g.stride_w = static_cast<size_t>(o.stride_w());
  g.dilation_h = static_cast<size_t>(o.dilation_h());
  g.dilation_w = static_cast<size_t>(o.dilation_w());
  g.pad_top = static_cast<size_t>(o.pad_top());
  g.pad_left = static_cast<size_t>(o.pad_left());
  g.groups = static_cast<size_t>(o.groups());
  return g;
}

}  // namespace sprig::cpu
