// Constant, Identity and Dropout (aliases at inference), and the ops exporters use to compute
// shapes: Shape, Cast, ConstantOfShape, Range, Where and Expand. These are evaluated at import and
// need constant inputs (Shape needs only the input's static shape; Expand of a computed value
// becomes a Mul by ones).
#include <algorithm>

#include "converter/import/onnx/host_ops.h"
#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {

void import_constant(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"value", "value_float", "value_floats", "value_int", "value_ints"});
  const std::string y_name = node_output(node, 0);
  if (const onnx::TensorProto* t = attrs.get_tensor("value")) {
    im.bind_host(y_name, tensor_from_proto(*t));
  } else if (attrs.has("value_float")) {
    im.bind_host(y_name, float_tensor({}, {attrs.get_float("value_float", 0.0f)}));
  } else if (attrs.has("value_floats")) {
    std::vector<float> values = attrs.get_floats("value_floats");
    const int64_t n = static_cast<int64_t>(values.size());
    im.bind_host(y_name, float_tensor({n}, std::move(values)));
  } else if (attrs.has("value_int")) {
    im.bind_host(y_name, int_tensor({}, {attrs.get_int("value_int", 0)}));
  } else if (attrs.has("value_ints")) {
    std::vector<int64_t> values = attrs.get_ints("value_ints");
    const int64_t n = static_cast<int64_t>(values.size());
    im.bind_host(y_name, int_tensor({n}, std::move(values)));
  } else {
    fail(Code::kInvalidModel, "Constant without a value");
  }
}

void import_identity(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  im.alias(node_output(node, 0), required_input(node, 0));
}

void import_dropout(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({"ratio", "seed", "is_test"});
  const std::string training = node_input(node, 2);
  if (!training.empty() && im.host(training).int_at(0) != 0)
    fail(Code::kUnsupported, "training_mode true not supported");
  if (im.is_used(node_output(node, 1)))
    fail(Code::kUnsupported, "the mask output is not supported");
  im.alias(node_output(node, 0), required_input(node, 0));
}

void import_shape(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"start", "end"});
  const Dims x = im.shape_of(required_input(node, 0));
  const int64_t rank = static_cast<int64_t>(x.size());
  auto clamp_axis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  const int64_t start = clamp_axis(attrs.get_int("start", 0));
  const int64_t end = clamp_axis(attrs.get_int("end", rank));
  Dims dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(x[static_cast<size_t>(d)]);
  const int64_t n = static_cast<int64_t>(dims.size());
  im.bind_host(node_output(node, 0), int_tensor({n}, std::move(dims)));
}

void import_cast(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"to"});
  const std::string x_name = required_input(node, 0);
  const int32_t to = static_cast<int32_t>(attrs.get_int("to", onnx::TensorProto::UNDEFINED));
  if (im.is_host(x_name)) {
    im.bind_host(node_output(node, 0), host_cast(im.host(x_name), to));
    return;
  }
  if (to != onnx::TensorProto::FLOAT)
    fail(Code::kUnsupported,
         std::string("cast of a computed value to ") + elem_type_name(to) + " not supported");
  im.alias(node_output(node, 0), x_name);
}

void import_constant_of_shape(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"value"});
  const Dims shape = im.host(required_input(node, 0)).as_ints();
  HostTensor value = float_tensor({1}, {0.0f});
  if (const onnx::TensorProto* t = attrs.get_tensor("value")) value = tensor_from_proto(*t);
  if (value.numel() != 1) fail(Code::kInvalidModel, "value must hold one element");
  for (int64_t d : shape)
    if (d < 0) fail(Code::kInvalidModel, "shape " + dims_text(shape) + " has a negative dimension");
  im.bind_host(node_output(node, 0), host_expand(host_reshape(value, {}), shape));
}

void import_range(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  im.bind_host(node_output(node, 0),
               host_range(im.host(required_input(node, 0)), im.host(required_input(node, 1)),
                          im.host(required_input(node, 2))));
}

void import_where(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  im.bind_host(node_output(node, 0),
               host_where(im.host(required_input(node, 0)), im.host(required_input(node, 1)),
                          im.host(required_input(node, 2))));
}

void import_expand(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string x_name = required_input(node, 0);
  const Dims shape = im.host(required_input(node, 1)).as_ints();
  if (im.is_host(x_name)) {
    im.bind_host(node_output(node, 0), host_expand(im.host(x_name), shape));
    return;
  }
  const Dims x = im.shape_of(x_name);
  const Dims y = broadcast_dims(x, shape);
  if (y == x) {
    im.alias(node_output(node, 0), x_name);
    return;
  }
  // x * ones, with ones spanning only the axes that grow: an exact broadcast.
  Dims ones_shape(y.size(), 1);
  for (size_t d = 0; d < y.size(); ++d) {
    const size_t offset = y.size() - x.size();
    if (d < offset || x[d - offset] != y[d]) ones_shape[d] = y[d];
  }
  const int ones = im.add_constant(
      node_output(node, 0) + "_ones",
      float_tensor(ones_shape,
                   std::vector<float>(static_cast<size_t>(dims_numel(ones_shape)), 1.0f)));
  fb::OpOptionsUnion u;
  u.Set(fb::BinaryOptionsT{});
  const std::string y_name = node_output(node, 0);
  im.bind_value(y_name,
                im.emit(fb::OpType::Mul, {im.value(x_name), ones}, y_name, y, std::move(u)));
}

}  // namespace sprig::convert::onnx_import
