// The sliding-window attributes shared by Conv, MaxPool and AveragePool (kernel_shape, strides,
// pads, dilations, auto_pad, ceil_mode), resolved for a concrete input. 1-D windows are returned
// as 2-D ones with a height of 1, which is how the runtime's NHWC ops run them.
#pragma once

#include <cstdint>

#include "converter/import/onnx/attributes.h"
#include "converter/import/onnx/shape_math.h"

namespace sprig::convert::onnx_import {

struct Window2D {
  int spatial_rank = 2;  // of the ONNX op: 1 or 2
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t dilation[2] = {1, 1};
  int64_t pad_begin[2] = {0, 0};
  int64_t pad_end[2] = {0, 0};
  int64_t in[2] = {1, 1};
  int64_t out[2] = {1, 1};
};

// `input` is the NCHW (or NCL) input shape; `kernel` is the kernel's spatial size when known from
// the weights (Conv), empty for pools, which read kernel_shape. Throws kUnsupported for 3-D and
// higher windows and unknown auto_pad values, kInvalidModel for inconsistent attributes.
Window2D resolve_window(const Attributes& attrs, const Dims& input, const Dims& kernel,
                        bool ceil_mode);

// Copies strides, dilations and pads into a Conv2DOptionsT or Pool2DOptionsT.
template <typename Options>
void set_window_options(const Window2D& win, Options* options) {
  options->stride_h = static_cast<int32_t>(win.stride[0]);
  options->stride_w = static_cast<int32_t>(win.stride[1]);
  options->dilation_h = static_cast<int32_t>(win.dilation[0]);
  options->dilation_w = static_cast<int32_t>(win.dilation[1]);
  options->pad_top = static_cast<int32_t>(win.pad_begin[0]);
  options->pad_left = static_cast<int32_t>(win.pad_begin[1]);
  options->pad_bottom = static_cast<int32_t>(win.pad_end[0]);
  options->pad_right = static_cast<int32_t>(win.pad_end[1]);
}

}  // namespace sprig::convert::onnx_import
