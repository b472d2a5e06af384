#include "models/recipes/recipe_builder.h"

#include <cstring>
#include <utility>

#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text;
  for (int64_t s : shape) text += (text.empty() ? "" : ",") + std::to_string(s);
  return "[" + text + "]";
}

}  // namespace

RecipeBuilder::RecipeBuilder(const SafetensorsCheckpoint& checkpoint, const std::string& graph_name)
    : checkpoint_(checkpoint) {
  g_.name = graph_name;
}

int RecipeBuilder::input(const std::string& name, fb::DType dtype, std::vector<int64_t> shape, int symbol) {
  const int v = g_.add_value(name, dtype, std::move(shape));
  g_.values[static_cast<size_t>(v)].dim0_symbol = symbol;
  g_.inputs.push_back(v);
  return v;
}

void RecipeBuilder::output(int v, const std::string& name) {
  g_.values[static_cast<size_t>(v)].name = g_.unique_name(name);
  g_.outputs.push_back(v);
}

std::vector<float> RecipeBuilder::values(const std::string& name, const std::vector<int64_t>& shape) const {
  const SafeTensor& t = checkpoint_.at(name);
  if (t.shape != shape)
    fail(Code::kInvalidModel, "tensor '" + name + "' has shape " + shape_text(t.shape) +
                                  ", config.json implies " + shape_text(shape));
  return checkpoint_.to_f32(t);
}

int RecipeBuilder::weight(const std::string& name, const std::vector<int64_t>& shape,
                          std::vector<int64_t> stored_shape) {
  return g_.add_constant(name, stored_shape.empty() ? shape : std::move(stored_shape), values(name, shape));
}

int RecipeBuilder::indices(const std::string& name, const std::vector<int32_t>& values) {
  const int v = g_.add_value(name, fb::DType::I32, {static_cast<int64_t>(values.size())});
  Value& value = g_.values[static_cast<size_t>(v)];
  value.is_constant = true;
  value.data.resize(values.size() * sizeof(int32_t));
  if (!values.empty()) std::memcpy(value.data.data(), values.data(), value.data.size());
  return v;
}

int RecipeBuilder::op(fb::OpType type, const std::string& name, std::vector<int> inputs,
                      std::vector<int64_t> out_shape, fb::OpOptionsUnion options) {
  const int out = g_.add_value(name + ".out", fb::DType::F32, std::move(out_shape));
  g_.values[static_cast<size_t>(out)].dim0_symbol = rows_symbol_;
  Node node;
  node.type = type;
  node.name = name;
  node.inputs = std::move(inputs);
  node.outputs = {out};
  node.options = std::move(options);
  g_.add_node(std::move(node));
  return out;
}

int RecipeBuilder::linear(const std::string& name, int x, int w, int b, fb::ActivationKind activation) {
  fb::FullyConnectedOptionsT fc;
  if (activation != fb::ActivationKind::None) {
    fc.fused = std::make_unique<fb::ActivationT>();
    fc.fused->kind = activation;
  }
  fb::OpOptionsUnion options;
  options.Set(std::move(fc));
  std::vector<int> inputs = {x, w};
  if (b >= 0) inputs.push_back(b);
  std::vector<int64_t> out_shape = shape(x);
  out_shape.back() = shape(w)[0];
  return op(fb::OpType::FullyConnected, name, inputs, std::move(out_shape), std::move(options));
}

int RecipeBuilder::projection(const std::string& module, int x, int64_t out, bool with_bias,
                              fb::ActivationKind activation) {
  const int w = weight(module + ".weight", {out, shape(x).back()});
  const int b = with_bias ? weight(module + ".bias", {out}) : -1;
  return linear(module, x, w, b, activation);
}

int RecipeBuilder::rms_norm(const std::string& module, int x, double epsilon) {
  const int w = weight(module + ".weight", {shape(x).back()});
  fb::RmsNormOptionsT norm;
  norm.epsilon = static_cast<float>(epsilon);
  fb::OpOptionsUnion options;
  options.Set(std::move(norm));
  return op(fb::OpType::RmsNorm, module, {x, w}, shape(x), std::move(options));
}

int RecipeBuilder::layer_norm(const std::string& module, int x, double epsilon) {
  const int w = weight(module + ".weight", {shape(x).back()});
  const int b = weight(module + ".bias", {shape(x).back()});
  fb::LayerNormOptionsT norm;
  norm.epsilon = static_cast<float>(epsilon);
  fb::OpOptionsUnion options;
  options.Set(std::move(norm));
  return op(fb::OpType::LayerNorm, module, {x, w, b}, shape(x), std::move(options));
}

int RecipeBuilder::reshape(const std::string& name, int x, std::vector<int64_t> shape) {
  fb::OpOptionsUnion options;
  options.Set(fb::ReshapeOptionsT());
  return op(fb::OpType::Reshape, name, {x}, std::move(shape), std::move(options));
}

int RecipeBuilder::binary(fb::OpType type, const std::string& name, int a, int b) {
  fb::OpOptionsUnion options;
  options.Set(fb::BinaryOptionsT());
  return op(type, name, {a, b}, shape(a), std::move(options));
}

int RecipeBuilder::gather(const std::string& name, int table, int indices) {
  fb::OpOptionsUnion options;
  options.Set(fb::GatherOptionsT());
  return op(fb::OpType::Gather, name, {table, indices}, {shape(indices)[0], shape(table)[1]}, std::move(options));
}

int RecipeBuilder::attention(const std::string& name, std::vector<int> inputs, bool causal) {
  fb::AttentionOptionsT attention;
  attention.causal = causal;
  fb::OpOptionsUnion options;
  options.Set(std::move(attention));
  std::vector<int64_t> out_shape = shape(inputs[0]);
  return op(fb::OpType::Attention, name, std::move(inputs), std::move(out_shape), std::move(options));
}

}  // namespace sprig::convert
