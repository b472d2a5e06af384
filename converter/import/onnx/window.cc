#include "converter/import/onnx/window.h"

#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

Dims read_or(const Attributes& attrs, const char* name, size_t size, int64_t fallback) {
  Dims values = attrs.get_ints(name);
  if (values.empty()) return Dims(size, fallback);
  if (values.size() != size)
    fail(Code::kInvalidModel, std::string(name) + " has " + std::to_string(values.size()) +
                                  " values, expected " + std::to_string(size));
  return values;
}

}  // namespace

Window2D resolve_window(const Attributes& attrs, const Dims& input, const Dims& kernel,
                        bool ceil_mode) {
  if (input.size() != 3 && input.size() != 4)
    fail(Code::kUnsupported,
         "input shape " + dims_text(input) + ": only 1-D and 2-D windows are supported");
  const size_t r = input.size() - 2;
  Dims kernel_shape = attrs.get_ints("kernel_shape");
  if (kernel_shape.empty()) kernel_shape = kernel;
  if (kernel_shape.size() != r)
    fail(Code::kInvalidModel,
         "kernel_shape " + dims_text(kernel_shape) + " does not match input " + dims_text(input));
  if (!kernel.empty() && kernel != kernel_shape)
    fail(Code::kInvalidModel, "kernel_shape " + dims_text(kernel_shape) +
                                  " differs from the weights' " + dims_text(kernel));
  const Dims strides = read_or(attrs, "strides", r, 1);
  const Dims dilations = read_or(attrs, "dilations", r, 1);
  Dims pads = read_or(attrs, "pads", 2 * r, 0);
  const std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");

  Window2D w;
  w.spatial_rank = static_cast<int>(r);
  const size_t first = 2 - r;  // 1-D windows fill the width only
  for (size_t i = 0; i < r; ++i) {
    const size_t a = first + i;
    w.kernel[a] = kernel_shape[i];
    w.stride[a] = strides[i];
    w.dilation[a] = dilations[i];
    w.in[a] = input[2 + i];
    if (auto_pad == "NOTSET") {
      w.pad_begin[a] = pads[i];
      w.pad_end[a] = pads[r + i];
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      same_padding(w.in[a], w.kernel[a], w.stride[a], w.dilation[a], auto_pad == "SAME_UPPER",
                   &w.pad_begin[a], &w.pad_end[a]);
    } else if (auto_pad != "VALID") {
      fail(Code::kUnsupported, "auto_pad '" + auto_pad + "' not supported");
    }
  }
  for (size_t a = 0; a < 2; ++a)
    w.out[a] = window_count(w.in[a], w.pad_begin[a], w.pad_end[a], w.kernel[a], w.stride[a],
                            w.dilation[a], ceil_mode);
  return w;
}

}  // namespace sprig::convert::onnx_import
