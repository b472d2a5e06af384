// Reshape, Flatten, Squeeze and Unsqueeze: all become the runtime's Reshape (or are folded when the
// input is a constant). Squeeze/Unsqueeze read axes from an attribute before opset 13 and from an
// input from opset 13 on.
#include <algorithm>

#include "converter/import/onnx/host_ops.h"
#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

void reshape_to(Importer& im, const onnx::NodeProto& node, const Dims& shape) {
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  if (im.is_host(x_name)) {
    im.bind_host(y_name, host_reshape(im.host(x_name), shape));
    return;
  }
  const int x = im.value(x_name);
  if (dims_numel(im.info(x).shape) != dims_numel(shape))
    fail(Code::kInvalidModel,
         "cannot reshape " + dims_text(im.info(x).shape) + " to " + dims_text(shape));
  im.bind_value(y_name, im.emit_reshape(x, shape, y_name));
}

Dims squeeze_axes(Importer& im, const onnx::NodeProto& node, const Attributes& attrs) {
  if (im.opset() < 13) {
    attrs.allow({"axes"});
    return attrs.get_ints("axes");
  }
  attrs.allow({});
  const std::string axes_name = node_input(node, 1);
  return axes_name.empty() ? Dims{} : im.host(axes_name).as_ints();
}

}  // namespace

void import_reshape(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"allowzero"});
  const Dims target = im.host(required_input(node, 1)).as_ints();
  const Dims x = im.shape_of(required_input(node, 0));
  if (attrs.get_int("allowzero", 0) != 0 &&
      std::find(target.begin(), target.end(), 0) != target.end())
    fail(Code::kUnsupported, "allowzero 1 with a zero in the shape is not supported");
  reshape_to(im, node, resolve_reshape(x, target));
}

void import_flatten(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"axis"});
  const Dims x = im.shape_of(required_input(node, 0));
  const int64_t rank = static_cast<int64_t>(x.size());
  int64_t axis = attrs.get_int("axis", 1);
  if (axis < -rank || axis > rank)
    fail(Code::kInvalidModel, "axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x[static_cast<size_t>(d)];
  reshape_to(im, node, {outer, outer ? dims_numel(x) / outer : 0});
}

void import_squeeze(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  const Dims x = im.shape_of(required_input(node, 0));
  const Dims axes_given = squeeze_axes(im, node, attrs);
  const std::vector<int> axes = normalize_axes(axes_given, static_cast<int>(x.size()));
  Dims y;
  for (size_t d = 0; d < x.size(); ++d) {
    const bool named = std::find(axes.begin(), axes.end(), static_cast<int>(d)) != axes.end();
    if (named && x[d] != 1)
      fail(Code::kInvalidModel, "cannot squeeze axis " + std::to_string(d) + " of " + dims_text(x));
    const bool drop = axes.empty() ? x[d] == 1 : named;
    if (!drop) y.push_back(x[d]);
  }
  reshape_to(im, node, y);
}

void import_unsqueeze(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  const Dims x = im.shape_of(required_input(node, 0));
  const Dims axes_given = squeeze_axes(im, node, attrs);
  if (axes_given.empty()) fail(Code::kInvalidModel, "Unsqueeze without axes");
  const int rank = static_cast<int>(x.size() + axes_given.size());
  const std::vector<int> axes = normalize_axes(axes_given, rank);
  Dims y;
  size_t next = 0;
  for (int d = 0; d < rank; ++d) {
    if (std::find(axes.begin(), axes.end(), d) != axes.end())
      y.push_back(1);
    else
      y.push_back(x[next++]);
  }
  reshape_to(im, node, y);
}

}  // namespace sprig::convert::onnx_import
