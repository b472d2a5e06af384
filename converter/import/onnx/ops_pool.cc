// MaxPool, AveragePool and GlobalAveragePool, run by the runtime on NHWC: the input is transposed
// to NHWC and the output back to NCHW (1-D pools run as 2-D ones of height 1).
#include "converter/import/onnx/op_importers.h"
#include "converter/import/onnx/window.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

void import_pool(Importer& im, const onnx::NodeProto& node, fb::OpType type,
                 const Attributes& attrs, bool count_include_pad) {
  const std::string x_name = required_input(node, 0);
  const Dims x = im.shape_of(x_name);
  const bool ceil_mode = attrs.get_int("ceil_mode", 0) != 0;
  const Window2D win = resolve_window(attrs, x, {}, ceil_mode);

  int in = im.value(x_name);
  if (x.size() == 3) in = im.emit_reshape(in, {x[0], x[1], 1, x[2]}, x_name + "_2d");
  in = im.to_nhwc(in);

  fb::Pool2DOptionsT options;
  options.kernel_h = static_cast<int32_t>(win.kernel[0]);
  options.kernel_w = static_cast<int32_t>(win.kernel[1]);
  set_window_options(win, &options);
  options.count_include_pad = count_include_pad;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  const std::string y_name = node_output(node, 0);
  const int y =
      im.emit(type, {in}, y_name + "_nhwc", {x[0], win.out[0], win.out[1], x[1]}, std::move(u));
  if (x.size() == 4) {
    im.bind_value(y_name, im.to_nchw(y, y_name));
  } else {
    const int y2d = im.to_nchw(y, y_name + "_2d");
    im.bind_value(y_name, im.emit_reshape(y2d, {x[0], x[1], win.out[1]}, y_name));
  }
}

}  // namespace

void import_max_pool(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  if (attrs.get_int("storage_order", 0) != 0)
    fail(Code::kUnsupported, "storage_order 1 not supported");
  if (im.is_used(node_output(node, 1)))
    fail(Code::kUnsupported, "the Indices output is not supported");
  import_pool(im, node, fb::OpType::MaxPool2D, attrs, false);
}

void import_average_pool(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  import_pool(im, node, fb::OpType::AveragePool2D, attrs,
              attrs.get_int("count_include_pad", 0) != 0);
}

void import_global_average_pool(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string x_name = required_input(node, 0);
  const Dims x = im.shape_of(x_name);
  const std::string y_name = node_output(node, 0);
  if (x.size() < 3)
    fail(Code::kInvalidModel, "input shape " + dims_text(x) + " has no spatial dimensions");
  if (x.size() != 4) {  // 1-D or 3-D: a mean over the spatial axes
    fb::ReduceMeanOptionsT options;
    for (size_t a = 2; a < x.size(); ++a) options.axes.push_back(static_cast<int32_t>(a));
    options.keep_dims = true;
    fb::OpOptionsUnion u;
    u.Set(std::move(options));
    Dims y = x;
    for (size_t a = 2; a < y.size(); ++a) y[a] = 1;
    im.bind_value(y_name,
                  im.emit(fb::OpType::ReduceMean, {im.value(x_name)}, y_name, y, std::move(u)));
    return;
  }
  const int in = im.to_nhwc(im.value(x_name));
  fb::OpOptionsUnion u;
  u.Set(fb::GlobalAveragePoolOptionsT{});
  const int y = im.emit(fb::OpType::GlobalAveragePool, {in}, y_name + "_nhwc", {x[0], 1, 1, x[1]},
                        std::move(u));
  im.bind_value(y_name, im.to_nchw(y, y_name));
}

}  // namespace sprig::convert::onnx_import
