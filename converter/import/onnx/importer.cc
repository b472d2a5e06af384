#include "converter/import/onnx/importer.h"

#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {

bool Importer::is_defined(const std::string& name) const { return bindings_.count(name) > 0; }

bool Importer::is_host(const std::string& name) const {
  auto it = bindings_.find(name);
  return it != bindings_.end() && it->second.host != nullptr;
}

const Importer::Binding& Importer::binding(const std::string& name) const {
  auto it = bindings_.find(name);
  if (it == bindings_.end())
    fail(Code::kInvalidModel, "input '" + name + "' is not defined before its use");
  return it->second;
}

const HostTensor& Importer::host(const std::string& name) const {
  const Binding& b = binding(name);
  if (!b.host) fail(Code::kUnsupported, "input '" + name + "' must be a constant");
  return *b.host;
}

void Importer::bind_host(const std::string& name, HostTensor tensor) {
  Binding b;
  b.host = std::make_shared<const HostTensor>(std::move(tensor));
  bindings_[name] = std::move(b);
}

void Importer::bind_value(const std::string& name, int value) {
  Binding b;
  b.value = value;
  bindings_[name] = std::move(b);
}

void Importer::alias(const std::string& name, const std::string& existing) {
  const Binding b = binding(existing);
  bindings_[name] = b;
}

int Importer::value(const std::string& name) {
  const Binding& b = binding(name);
  if (b.value >= 0) return b.value;
  const HostTensor& tensor = *b.host;
  return cached_constant(name, [&] { return add_constant(name, tensor); });
}

Dims Importer::shape_of(const std::string& name) const {
  const Binding& b = binding(name);
  return b.host ? b.host->shape : graph_.values[static_cast<size_t>(b.value)].shape;
}

int Importer::add_constant(const std::string& name, const HostTensor& tensor) {
  if (tensor.elem_type == onnx::TensorProto::BOOL)
    fail(Code::kUnsupported, "boolean tensor '" + name + "' cannot be a graph constant");
  // Rank-0 constants are stored as [1]: the same broadcasting against any non-scalar operand.
  return graph_.add_constant(name, tensor.shape.empty() ? Dims{1} : tensor.shape,
                             tensor.as_floats());
}

int Importer::emit(fb::OpType type, std::vector<int> inputs, const std::string& output_name,
                   Dims shape, fb::OpOptionsUnion options) {
  const int out = graph_.add_value(output_name, fb::DType::F32, std::move(shape));
  Node node;
  node.type = type;
  node.inputs = std::move(inputs);
  node.outputs = {out};
  node.options = std::move(options);
  node.name = node_name_;
  graph_.add_node(std::move(node));
  return out;
}

int Importer::emit_transpose(int input, const std::vector<int>& perm,
                             const std::string& output_name) {
  fb::TransposeOptionsT options;
  options.perm = perm;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  return emit(fb::OpType::Transpose, {input}, output_name, permute_dims(info(input).shape, perm),
              std::move(u));
}

int Importer::emit_reshape(int input, Dims shape, const std::string& output_name) {
  fb::OpOptionsUnion u;
  u.Set(fb::ReshapeOptionsT{});
  return emit(fb::OpType::Reshape, {input}, output_name, std::move(shape), std::move(u));
}

int Importer::to_nhwc(int input) {
  if (info(input).shape.size() != 4)
    fail(Code::kUnsupported, "input '" + info(input).name + "' has shape " +
                                 dims_text(info(input).shape) +
                                 ", only 4-D NCHW inputs are supported here");
  return emit_transpose(input, {0, 2, 3, 1}, info(input).name + "_nhwc");
}

int Importer::to_nchw(int input, const std::string& output_name) {
  return emit_transpose(input, {0, 3, 1, 2}, output_name);
}

std::string node_input(const onnx::NodeProto& node, int i) {
  return i < node.input_size() ? node.input(i) : std::string();
}

std::string node_output(const onnx::NodeProto& node, int i) {
  return i < node.output_size() ? node.output(i) : std::string();
}

std::string required_input(const onnx::NodeProto& node, int i) {
  std::string name = node_input(node, i);
  if (name.empty()) fail(Code::kInvalidModel, "input " + std::to_string(i) + " is missing");
  return name;
}

}  // namespace sprig::convert::onnx_import
