#include "converter/import/onnx/gelu_pattern.h"

#include <cmath>
#include <optional>
#include <vector>

#include "converter/import/onnx/host_tensor.h"

namespace sprig::convert::onnx_import {
namespace {

class GraphIndex {
 public:
  explicit GraphIndex(const onnx::GraphProto& graph) : graph_(graph) {
    for (int n = 0; n < graph.node_size(); ++n) {
      for (const std::string& out : graph.node(n).output()) producer_[out] = n;
      for (const std::string& in : graph.node(n).input()) ++readers_[in];
    }
    for (const onnx::ValueInfoProto& out : graph.output()) ++readers_[out.name()];
    for (const onnx::TensorProto& init : graph.initializer()) initializers_[init.name()] = &init;
  }

  const onnx::NodeProto* producer(const std::string& name, const char* op_type, int* index) const {
    auto it = producer_.find(name);
    if (it == producer_.end() || graph_.node(it->second).op_type() != op_type) return nullptr;
    if (!graph_.node(it->second).domain().empty()) return nullptr;
    *index = it->second;
    return &graph_.node(it->second);
  }

  int readers(const std::string& name) const {
    auto it = readers_.find(name);
    return it == readers_.end() ? 0 : it->second;
  }

  // The value of a one-element constant (initializer or Constant node).
  std::optional<float> scalar(const std::string& name) const {
    const onnx::TensorProto* tensor = nullptr;
    auto init = initializers_.find(name);
    if (init != initializers_.end()) {
      tensor = init->second;
    } else {
      int index;
      const onnx::NodeProto* constant = producer(name, "Constant", &index);
      if (constant == nullptr) return std::nullopt;
      for (const onnx::AttributeProto& a : constant->attribute())
        if (a.name() == "value" && a.has_t()) tensor = &a.t();
      if (tensor == nullptr) return std::nullopt;
    }
    try {
      const HostTensor t = tensor_from_proto(*tensor);
      if (t.numel() != 1 || !t.is_float()) return std::nullopt;
      return t.float_at(0);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }

 private:
  const onnx::GraphProto& graph_;
  std::map<std::string, int> producer_;
  std::map<std::string, int> readers_;
  std::map<std::string, const onnx::TensorProto*> initializers_;
};

bool near(std::optional<float> value, double expected) {
  return value && std::fabs(*value - expected) <= 1e-5 * std::fabs(expected);
}

// For a two-input node, the input that is not the scalar `expected` when the other one is.
std::optional<std::string> other_than_scalar(const GraphIndex& index, const onnx::NodeProto& node,
                                             double expected) {
  if (node.input_size() != 2) return std::nullopt;
  for (int k = 0; k < 2; ++k)
    if (near(index.scalar(node.input(k)), expected)) return node.input(1 - k);
  return std::nullopt;
}

// The single reader of `name` when it is a node of `op_type`.
const onnx::NodeProto* only_reader(const onnx::GraphProto& graph, const GraphIndex& index,
                                   const std::string& name, const char* op_type, int* reader) {
  if (index.readers(name) != 1) return nullptr;
  for (int n = 0; n < graph.node_size(); ++n) {
    const onnx::NodeProto& node = graph.node(n);
    for (const std::string& in : node.input()) {
      if (in != name) continue;
      if (node.op_type() != op_type || !node.domain().empty()) return nullptr;
      *reader = n;
      return &node;
    }
  }
  return nullptr;
}

bool reads(const onnx::NodeProto& node, const std::string& a, const std::string& b) {
  return node.input_size() == 2 &&
         ((node.input(0) == a && node.input(1) == b) || (node.input(0) == b && node.input(1) == a));
}

}  // namespace

GeluPatterns find_gelu_patterns(const onnx::GraphProto& graph) {
  GeluPatterns patterns;
  const GraphIndex index(graph);
  const double sqrt2 = std::sqrt(2.0);
  for (int e = 0; e < graph.node_size(); ++e) {
    const onnx::NodeProto& erf = graph.node(e);
    if (erf.op_type() != "Erf" || !erf.domain().empty() || erf.input_size() != 1 ||
        erf.output_size() != 1)
      continue;
    int d = -1;
    std::optional<std::string> x;
    if (const onnx::NodeProto* div = index.producer(erf.input(0), "Div", &d)) {
      if (div->input_size() == 2 && near(index.scalar(div->input(1)), sqrt2)) x = div->input(0);
    } else if (const onnx::NodeProto* mul = index.producer(erf.input(0), "Mul", &d)) {
      x = other_than_scalar(index, *mul, 1.0 / sqrt2);
    }
    if (!x || index.readers(erf.input(0)) != 1) continue;
    int a = -1, m = -1, last = -1, h = -1;
    const onnx::NodeProto* add = only_reader(graph, index, erf.output(0), "Add", &a);
    if (add == nullptr || other_than_scalar(index, *add, 1.0) != erf.output(0)) continue;
    const onnx::NodeProto* mul = only_reader(graph, index, add->output(0), "Mul", &m);
    if (mul == nullptr) continue;
    if (reads(*mul, *x, add->output(0))) {  // (x * (1 + erf)) * 0.5
      const onnx::NodeProto* half = only_reader(graph, index, mul->output(0), "Mul", &last);
      if (half == nullptr || other_than_scalar(index, *half, 0.5) != mul->output(0)) continue;
      patterns.inner_nodes.insert(m);
    } else {  // (x * 0.5) * (1 + erf)
      const std::string scaled = mul->input(0) == add->output(0) ? mul->input(1) : mul->input(0);
      const onnx::NodeProto* half = index.producer(scaled, "Mul", &h);
      if (half == nullptr || other_than_scalar(index, *half, 0.5) != *x ||
          index.readers(scaled) != 1)
        continue;
      last = m;
      patterns.inner_nodes.insert(h);
    }
    patterns.inner_nodes.insert({d, e, a});
    patterns.last_node_input[last] = *x;
  }
  return patterns;
}

}  // namespace sprig::convert::onnx_import
