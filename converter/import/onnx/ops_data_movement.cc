// Concat, Transpose, Pad, Slice and Gather. Each is folded at import when its data is a constant
// (Pad excepted: it stays a node and constant folding evaluates it). Gather of a run-time value
// needs constant indices forming an evenly spaced run, and becomes a Slice.
#include <algorithm>

#include "converter/import/onnx/host_ops.h"
#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

int emit_slice(Importer& im, int x, const SliceBounds& bounds, const std::string& name) {
  fb::SliceOptionsT options;
  options.starts = bounds.starts;
  options.steps = bounds.steps;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  return im.emit(fb::OpType::Slice, {x}, name, bounds.counts, std::move(u));
}

bool takes_everything(const SliceBounds& bounds, const Dims& shape) {
  for (size_t d = 0; d < shape.size(); ++d)
    if (bounds.starts[d] != 0 || bounds.steps[d] != 1 || bounds.counts[d] != shape[d]) return false;
  return true;
}

}  // namespace

void import_concat(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"axis"});
  if (!attrs.has("axis")) fail(Code::kInvalidModel, "attribute 'axis' is missing");
  const std::string y_name = node_output(node, 0);
  bool all_host = true;
  for (const std::string& name : node.input()) all_host = all_host && im.is_host(name);
  if (all_host) {
    std::vector<const HostTensor*> inputs;
    for (const std::string& name : node.input()) inputs.push_back(&im.host(name));
    im.bind_host(y_name, host_concat(inputs, attrs.get_int("axis", 0)));
    return;
  }
  const Dims first = im.shape_of(required_input(node, 0));
  const int axis = normalize_axis(attrs.get_int("axis", 0), static_cast<int>(first.size()));
  std::vector<int> inputs;
  Dims y = first;
  y[static_cast<size_t>(axis)] = 0;
  for (const std::string& name : node.input()) {
    const Dims s = im.shape_of(name);
    bool same = s.size() == first.size();
    for (size_t d = 0; same && d < s.size(); ++d)
      same = static_cast<int>(d) == axis || s[d] == first[d];
    if (!same)
      fail(Code::kInvalidModel,
           "input shapes " + dims_text(first) + " and " + dims_text(s) + " differ");
    if (dims_numel(s) == 0) continue;  // empty inputs add nothing
    y[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
    inputs.push_back(im.value(name));
  }
  if (inputs.empty()) fail(Code::kUnsupported, "concatenating only empty tensors is not supported");
  if (inputs.size() == 1) {
    im.bind_value(y_name, inputs[0]);
    return;
  }
  fb::ConcatOptionsT options;
  options.axis = axis;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  im.bind_value(y_name, im.emit(fb::OpType::Concat, inputs, y_name, y, std::move(u)));
}

void import_transpose(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"perm"});
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const Dims x = im.shape_of(x_name);
  const int rank = static_cast<int>(x.size());
  std::vector<int> perm;
  for (int64_t p : attrs.get_ints("perm")) perm.push_back(static_cast<int>(p));
  if (!attrs.has("perm"))
    for (int d = rank - 1; d >= 0; --d) perm.push_back(d);
  std::vector<int> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (int d = 0; d < rank; ++d)
    if (sorted.size() != x.size() || sorted[static_cast<size_t>(d)] != d)
      fail(Code::kInvalidModel,
           "perm is not a permutation of the input's " + std::to_string(rank) + " axes");
  if (im.is_host(x_name)) {
    im.bind_host(y_name, host_transpose(im.host(x_name), perm));
    return;
  }
  im.bind_value(y_name, im.emit_transpose(im.value(x_name), perm, y_name));
}

void import_pad(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"mode"});
  if (!node_input(node, 3).empty()) fail(Code::kUnsupported, "the axes input is not supported");
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const Dims x = im.shape_of(x_name);
  const Dims pads = im.host(required_input(node, 1)).as_ints();
  if (pads.size() != 2 * x.size())
    fail(Code::kInvalidModel,
         "pads has " + std::to_string(pads.size()) + " values for input " + dims_text(x));
  const std::string value_name = node_input(node, 2);
  float value = 0.0f;
  if (!value_name.empty()) {
    const HostTensor& v = im.host(value_name);
    if (v.numel() != 1) fail(Code::kInvalidModel, "constant_value must be a scalar");
    value = v.float_at(0);
  }
  const std::string mode = attrs.get_string("mode", "constant");
  fb::PadOptionsT options;
  if (mode == "constant")
    options.mode = fb::PadMode::Constant;
  else if (mode == "reflect")
    options.mode = fb::PadMode::Reflect;
  else if (mode == "edge")
    options.mode = fb::PadMode::Edge;
  else
    fail(Code::kUnsupported, "mode '" + mode + "' not supported");
  Dims y = x;
  bool any = false;
  for (size_t d = 0; d < x.size(); ++d) {
    const int64_t begin = pads[d], end = pads[d + x.size()];
    if (begin < 0 || end < 0) fail(Code::kUnsupported, "negative pads are not supported");
    if (options.mode == fb::PadMode::Reflect && (begin >= x[d] || end >= x[d]) && (begin || end))
      fail(Code::kInvalidModel, "reflect pads must be smaller than the padded dimension");
    y[d] += begin + end;
    any = any || begin || end;
  }
  if (!any) {
    im.bind_value(y_name, im.value(x_name));
    return;
  }
  options.pads = pads;
  options.value = value;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  im.bind_value(y_name, im.emit(fb::OpType::Pad, {im.value(x_name)}, y_name, y, std::move(u)));
}

void import_slice(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const Dims x = im.shape_of(x_name);
  const std::string axes_name = node_input(node, 3);
  const std::string steps_name = node_input(node, 4);
  const SliceBounds bounds = resolve_slice(
      x, im.host(required_input(node, 1)).as_ints(), im.host(required_input(node, 2)).as_ints(),
      axes_name.empty() ? Dims{} : im.host(axes_name).as_ints(),
      steps_name.empty() ? Dims{} : im.host(steps_name).as_ints());
  if (im.is_host(x_name)) {
    im.bind_host(y_name, host_slice(im.host(x_name), bounds));
  } else if (takes_everything(bounds, x)) {
    im.bind_value(y_name, im.value(x_name));
  } else {
    im.bind_value(y_name, emit_slice(im, im.value(x_name), bounds, y_name));
  }
}

void import_gather(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"axis"});
  const std::string data_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  const HostTensor& indices = im.host(required_input(node, 1));
  if (im.is_host(data_name)) {
    im.bind_host(y_name, host_gather(im.host(data_name), indices, attrs.get_int("axis", 0)));
    return;
  }
  const Dims x = im.shape_of(data_name);
  const int axis = normalize_axis(attrs.get_int("axis", 0), static_cast<int>(x.size()));
  const int64_t dim = x[static_cast<size_t>(axis)];
  const int64_t count = indices.numel();
  if (indices.shape.size() > 1 || count == 0)
    fail(Code::kUnsupported,
         "indices of shape " + dims_text(indices.shape) + " on a computed input are not supported");
  auto index = [&](int64_t i) {
    const int64_t v = indices.int_at(i);
    if (v < -dim || v >= dim)
      fail(Code::kInvalidModel, "index " + std::to_string(v) + " is out of range");
    return v < 0 ? v + dim : v;
  };
  const int64_t step = count > 1 ? index(1) - index(0) : 1;
  for (int64_t i = 1; i < count; ++i)
    if (step == 0 || index(i) - index(i - 1) != step)
      fail(Code::kUnsupported,
           "indices that are not evenly spaced on a computed input are not supported");
  SliceBounds bounds;
  bounds.starts.assign(x.size(), 0);
  bounds.steps.assign(x.size(), 1);
  bounds.counts = x;
  bounds.starts[static_cast<size_t>(axis)] = index(0);
  bounds.steps[static_cast<size_t>(axis)] = step;
  bounds.counts[static_cast<size_t>(axis)] = count;
  if (indices.shape.size() == 1) {
    im.bind_value(y_name, emit_slice(im, im.value(data_name), bounds, y_name));
    return;
  }
  const int sliced = emit_slice(im, im.value(data_name), bounds, y_name + "_slice");
  Dims y = x;
  y.erase(y.begin() + axis);
  im.bind_value(y_name, im.emit_reshape(sliced, y, y_name));
}

}  // namespace sprig::convert::onnx_import
