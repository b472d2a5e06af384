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

}  // namespace sprig::convert::onnx_import
