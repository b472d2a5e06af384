// BatchNormalization (inference form, channel axis 1), Softmax (opset 11-12: over everything
// from `axis` on; opset 13+: along `axis`) and ReduceMean.
#include <algorithm>

#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {

void import_batch_norm(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"epsilon", "momentum", "training_mode", "spatial"});
  if (attrs.get_int("training_mode", 0) != 0)
    fail(Code::kUnsupported, "training_mode 1 not supported");
  if (attrs.get_int("spatial", 1) != 1) fail(Code::kUnsupported, "spatial 0 not supported");
  for (int i = 1; i < node.output_size(); ++i)
    if (im.is_used(node.output(i)))
      fail(Code::kUnsupported, "the running mean and variance outputs are not supported");
  const std::string x_name = required_input(node, 0);
  const Dims x = im.shape_of(x_name);
  if (x.size() < 2)
    fail(Code::kInvalidModel, "input shape " + dims_text(x) + " has no channel axis");
  std::vector<int> inputs = {im.value(x_name)};
  for (int i = 1; i < 5; ++i) {
    const std::string name = required_input(node, i);
    if (im.shape_of(name) != Dims{x[1]})
      fail(Code::kInvalidModel, "input '" + name + "' has shape " + dims_text(im.shape_of(name)) +
                                    ", expected [" + std::to_string(x[1]) + "]");
    inputs.push_back(im.value(name));
  }
  fb::BatchNormOptionsT options;
  options.epsilon = attrs.get_float("epsilon", 1e-5f);
  options.axis = 1;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  const std::string y_name = node_output(node, 0);
  im.bind_value(y_name, im.emit(fb::OpType::BatchNorm, inputs, y_name, x, std::move(u)));
}

void import_softmax(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"axis"});
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const Dims x = im.shape_of(x_name);
  const int rank = static_cast<int>(x.size());
  if (rank == 0) fail(Code::kInvalidModel, "Softmax of a scalar");
  const bool per_axis = im.opset() >= 13;
  const int axis = normalize_axis(attrs.get_int("axis", per_axis ? -1 : 1), rank);
  auto softmax = [&](int input, int on_axis, const std::string& name) {
    fb::SoftmaxOptionsT options;
    options.axis = on_axis;
    fb::OpOptionsUnion u;
    u.Set(std::move(options));
    return im.emit(fb::OpType::Softmax, {input}, name, im.info(input).shape, std::move(u));
  };
  if (per_axis || axis == rank - 1) {
    im.bind_value(y_name, softmax(im.value(x_name), axis, y_name));
    return;
  }
  // Opset 11-12: the input as a 2-D [outer, inner] matrix split at `axis`, softmax over each row.
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= x[static_cast<size_t>(d)];
  const int flat = im.emit_reshape(
      im.value(x_name), {outer, dims_numel(x) / std::max<int64_t>(outer, 1)}, x_name + "_2d");
  const int y = softmax(flat, 1, y_name + "_2d");
  im.bind_value(y_name, im.emit_reshape(y, x, y_name));
}

std::vector<int> reduce_axes(const Attributes& attrs, int rank) {
  std::vector<int> axes;
  if (attrs.has("axes")) {
    axes = normalize_axes(attrs.get_ints("axes"), rank);
  } else {
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  }
  if (axes.empty()) fail(Code::kUnsupported, "reducing no axes is not supported");
  return axes;
}

void import_reduce_mean(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"axes", "keepdims"});
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const Dims x = im.shape_of(x_name);
  const int rank = static_cast<int>(x.size());
  const std::vector<int> axes = reduce_axes(attrs, rank);
  const bool keep_dims = attrs.get_int("keepdims", 1) != 0;
  Dims y;
  for (int d = 0; d < rank; ++d) {
    const bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (!reduced)
      y.push_back(x[static_cast<size_t>(d)]);
    else if (keep_dims)
      y.push_back(1);
  }
  fb::ReduceMeanOptionsT options;
  options.axes.assign(axes.begin(), axes.end());
  options.keep_dims = keep_dims;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  im.bind_value(y_name,
                im.emit(fb::OpType::ReduceMean, {im.value(x_name)}, y_name, y, std::move(u)));
}

}  // namespace sprig::convert::onnx_import
