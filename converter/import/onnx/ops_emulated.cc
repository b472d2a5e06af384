// Ops the runtime lacks, written exactly with ops it has: ReduceMax as MaxPool2D over a reshaped
// view, Abs as Relu(x) + Relu(-x), and the Erf-based Gelu pattern (gelu_pattern.h) as Gelu.
#include <algorithm>

#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

fb::OpOptionsUnion activation_options(fb::ActivationKind kind) {
  fb::ActivationOptionsT options;
  options.activation = std::make_unique<fb::ActivationT>();
  options.activation->kind = kind;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  return u;
}

fb::OpOptionsUnion binary_options() {
  fb::OpOptionsUnion u;
  u.Set(fb::BinaryOptionsT{});
  return u;
}

// The maximum over the contiguous axes [first, last] of x: x viewed as NHWC [outer, 1, R, inner]
// and max-pooled with a 1 x R window.
int max_over_axes(Importer& im, int x, size_t first, size_t last, const std::string& name) {
  const Dims shape = im.info(x).shape;
  int64_t outer = 1, reduced = 1, inner = 1;
  for (size_t d = 0; d < shape.size(); ++d)
    (d < first ? outer : d <= last ? reduced : inner) *= shape[d];
  Dims kept = shape;
  for (size_t d = first; d <= last; ++d) kept[d] = 1;
  const int view = im.emit_reshape(x, {outer, 1, reduced, inner}, name + "_view");
  fb::Pool2DOptionsT options;
  options.kernel_h = 1;
  options.kernel_w = static_cast<int32_t>(reduced);
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  const int pooled =
      im.emit(fb::OpType::MaxPool2D, {view}, name + "_pool", {outer, 1, 1, inner}, std::move(u));
  return im.emit_reshape(pooled, kept, name);
}

}  // namespace

void import_reduce_max(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"axes", "keepdims"});
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const Dims x = im.shape_of(x_name);
  const int rank = static_cast<int>(x.size());
  const std::vector<int> axes = reduce_axes(attrs, rank);
  const bool keep_dims = attrs.get_int("keepdims", 1) != 0;
  int y = im.value(x_name);
  // Runs of contiguous axes, last run first, each reduced in one pooling.
  for (size_t end = axes.size(); end > 0;) {
    size_t begin = end - 1;
    while (begin > 0 && axes[begin - 1] + 1 == axes[begin]) --begin;
    const bool final_step = begin == 0;
    const std::string name =
        final_step && keep_dims ? y_name : y_name + "_" + std::to_string(axes[begin]);
    y = max_over_axes(im, y, static_cast<size_t>(axes[begin]), static_cast<size_t>(axes[end - 1]),
                      name);
    end = begin;
  }
  if (!keep_dims) {
    Dims out;
    for (int d = 0; d < rank; ++d)
      if (std::find(axes.begin(), axes.end(), d) == axes.end())
        out.push_back(x[static_cast<size_t>(d)]);
    y = im.emit_reshape(y, out, y_name);
  }
  im.bind_value(y_name, y);
}

void import_abs(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const int x = im.value(x_name);
  const Dims shape = im.info(x).shape;
  const int minus_one = im.add_constant(y_name + "_minus_one", float_tensor({1}, {-1.0f}));
  const int negated =
      im.emit(fb::OpType::Mul, {x, minus_one}, y_name + "_neg", shape, binary_options());
  const int positive_part = im.emit(fb::OpType::Activation, {x}, y_name + "_pos", shape,
                                    activation_options(fb::ActivationKind::Relu));
  const int negative_part = im.emit(fb::OpType::Activation, {negated}, y_name + "_negpos", shape,
                                    activation_options(fb::ActivationKind::Relu));
  im.bind_value(y_name, im.emit(fb::OpType::Add, {positive_part, negative_part}, y_name, shape,
                                binary_options()));
}

void import_gelu(Importer& im, const std::string& x_name, const std::string& y_name) {
  const int x = im.value(x_name);
  im.bind_value(y_name, im.emit(fb::OpType::Activation, {x}, y_name, im.info(x).shape,
                                activation_options(fb::ActivationKind::Gelu)));
}

}  // namespace sprig::convert::onnx_import
