// Conv: NCHW in ONNX, NHWC in the runtime. The input is transposed to NHWC, the weights are stored
// as [O, KH, KW, C/groups], and the output is transposed back; the layout pass later cancels the
// transposes between consecutive NHWC ops. 1-D convolutions run as 2-D ones of height 1.
#include "converter/import/onnx/host_ops.h"
#include "converter/import/onnx/op_importers.h"
#include "converter/import/onnx/window.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

// [O, C/g, K] -> [O, C/g, 1, K]: a 1-D kernel as a 2-D one of height 1.
Dims as_2d_kernel(const Dims& w) { return w.size() == 3 ? Dims{w[0], w[1], 1, w[2]} : w; }

int ohwi_weights(Importer& im, const std::string& name) {
  if (im.is_host(name)) {
    return im.cached_constant(name + "#ohwi", [&] {
      const HostTensor& w = im.host(name);
      return im.add_constant(name,
                             host_transpose(host_reshape(w, as_2d_kernel(w.shape)), {0, 2, 3, 1}));
    });
  }
  int w = im.value(name);
  if (im.info(w).shape.size() == 3)
    w = im.emit_reshape(w, as_2d_kernel(im.info(w).shape), name + "_2d");
  return im.emit_transpose(w, {0, 2, 3, 1}, name + "_ohwi");
}

}  // namespace

void import_conv(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const std::string x_name = required_input(node, 0);
  const std::string w_name = required_input(node, 1);
  const std::string b_name = node_input(node, 2);
  const Dims x = im.shape_of(x_name);
  const Dims w = im.shape_of(w_name);
  if (x.size() != 3 && x.size() != 4)
    fail(Code::kUnsupported,
         "input shape " + dims_text(x) + ": only 1-D and 2-D convolutions are supported");
  if (w.size() != x.size())
    fail(Code::kInvalidModel, "weights " + dims_text(w) + " do not match input " + dims_text(x));
  const int64_t groups = attrs.get_int("group", 1);
  if (groups < 1 || x[1] % groups != 0 || w[1] != x[1] / groups || w[0] % groups != 0)
    fail(Code::kInvalidModel, "weights " + dims_text(w) + " do not match input " + dims_text(x) +
                                  " with " + std::to_string(groups) + " groups");
  const Window2D win = resolve_window(attrs, x, Dims(w.begin() + 2, w.end()), false);

  std::vector<int> inputs = {0, ohwi_weights(im, w_name)};
  if (!b_name.empty()) {
    if (im.shape_of(b_name) != Dims{w[0]})
      fail(Code::kInvalidModel, "bias " + dims_text(im.shape_of(b_name)) + " does not match " +
                                    std::to_string(w[0]) + " output channels");
    inputs.push_back(im.value(b_name));
  }
  int in = im.value(x_name);
  if (x.size() == 3) in = im.emit_reshape(in, {x[0], x[1], 1, x[2]}, x_name + "_2d");
  inputs[0] = im.to_nhwc(in);

  fb::Conv2DOptionsT options;
  set_window_options(win, &options);
  options.groups = static_cast<int32_t>(groups);
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  const std::string y_name = node_output(node, 0);
  const int y = im.emit(fb::OpType::Conv2D, inputs, y_name + "_nhwc",
                        {x[0], win.out[0], win.out[1], w[0]}, std::move(u));
  if (x.size() == 4) {
    im.bind_value(y_name, im.to_nchw(y, y_name));
  } else {
    const int y2d = im.to_nchw(y, y_name + "_2d");
    im.bind_value(y_name, im.emit_reshape(y2d, {x[0], w[0], win.out[1]}, y_name));
  }
}

}  // namespace sprig::convert::onnx_import
