#include "converter/ir/graph.h"

#include <cstring>
#include <functional>
#include <queue>
#include <unordered_set>

#include "converter/ir/error.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {
namespace {

template <typename T>
T load(const std::vector<uint8_t>& data, int64_t index) {
  T value;
  std::memcpy(&value, data.data() + index * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return value;
}

int8_t load_i4(const std::vector<uint8_t>& data, int64_t index) {
  const uint8_t byte = data[static_cast<size_t>(index / 2)];
  const int nibble = index % 2 == 0 ? (byte & 0x0f) : (byte >> 4);
  return static_cast<int8_t>(nibble >= 8 ? nibble - 16 : nibble);
}

void check_data_size(const Value& value) {
  const size_t expected = tensor_bytes(value.dtype, value.numel());
  if (!value.is_constant || value.data.size() != expected)
    fail(Code::kInvalidArgument, "value '" + value.name + "' has " +
                                     std::to_string(value.data.size()) + " bytes of data, " +
                                     std::to_string(expected) + " expected for a constant");
}

template <typename Out>
std::vector<Out> convert_integers(const Value& value) {
  const int64_t n = value.numel();
  std::vector<Out> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = 0;
    switch (value.dtype) {
      case fb::DType::I64:
        v = load<int64_t>(value.data, i);
        break;
      case fb::DType::I32:
        v = load<int32_t>(value.data, i);
        break;
      case fb::DType::I8:
        v = load<int8_t>(value.data, i);
        break;
      case fb::DType::U8:
        v = load<uint8_t>(value.data, i);
        break;
      case fb::DType::I4:
        v = load_i4(value.data, i);
        break;
      default:
        fail(Code::kInvalidArgument, std::string("value '") + value.name + "' has dtype " +
                                         dtype_name(value.dtype) + ", not an integer type");
    }
    out[static_cast<size_t>(i)] = static_cast<Out>(v);
  }
  return out;
}

void check_index(const Graph& graph, int v, const std::string& where) {
  if (v < 0 || v >= static_cast<int>(graph.values.size()))
    fail(Code::kInvalidArgument,
         where + " refers to value " + std::to_string(v) + ", out of range");
}

}  // namespace

int64_t Value::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> Value::to_f32() const {
  check_data_size(*this);
  const int64_t n = numel();
  switch (dtype) {
    case fb::DType::F32: {
      std::vector<float> out(static_cast<size_t>(n));
      if (n) std::memcpy(out.data(), data.data(), data.size());
      return out;
    }
    case fb::DType::F16:
    case fb::DType::BF16: {
      std::vector<float> out(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const uint16_t bits = load<uint16_t>(data, i);
        out[static_cast<size_t>(i)] =
            dtype == fb::DType::F16 ? f16_to_f32(bits) : bf16_to_f32(bits);
      }
      return out;
    }
    default:
      return convert_integers<float>(*this);
  }
}

std::vector<int64_t> Value::to_i64() const {
  check_data_size(*this);
  return convert_integers<int64_t>(*this);
}

int Graph::add_value(const std::string& value_name, fb::DType dtype, std::vector<int64_t> shape) {
  Value value;
  value.name = unique_name(value_name);
  value.dtype = dtype;
  value.shape = std::move(shape);
  values.push_back(std::move(value));
  return static_cast<int>(values.size()) - 1;
}

int Graph::add_constant(const std::string& value_name, std::vector<int64_t> shape,
                        const std::vector<float>& data) {
  const int v = add_value(value_name, fb::DType::F32, std::move(shape));
  Value& value = values[static_cast<size_t>(v)];
  if (static_cast<int64_t>(data.size()) != value.numel())
    fail(Code::kInvalidArgument, "constant '" + value.name + "' gets " +
                                     std::to_string(data.size()) + " elements for " +
                                     std::to_string(value.numel()));
  value.is_constant = true;
  value.data.resize(data.size() * sizeof(float));
  if (!data.empty()) std::memcpy(value.data.data(), data.data(), value.data.size());
  return v;
}

int Graph::add_constant_i64(const std::string& value_name, std::vector<int64_t> shape,
                            const std::vector<int64_t>& data) {
  const int v = add_value(value_name, fb::DType::I64, std::move(shape));
  Value& value = values[static_cast<size_t>(v)];
  if (static_cast<int64_t>(data.size()) != value.numel())
    fail(Code::kInvalidArgument, "constant '" + value.name + "' gets " +
                                     std::to_string(data.size()) + " elements for " +
                                     std::to_string(value.numel()));
  value.is_constant = true;
  value.data.resize(data.size() * sizeof(int64_t));
  if (!data.empty()) std::memcpy(value.data.data(), data.data(), value.data.size());
  return v;
}

std::string Graph::unique_name(const std::string& base) {
  const std::string stem = base.empty() ? std::string("value") : base;
  if (find_value(stem) < 0) return stem;
  std::unordered_set<std::string> used;
  used.reserve(values.size());
  for (const Value& value : values) used.insert(value.name);
  for (int i = 1;; ++i) {
    std::string candidate = stem + "_" + std::to_string(i);
    if (!used.count(candidate)) return candidate;
  }
}

int Graph::find_value(const std::string& value_name) const {
  for (size_t v = 0; v < values.size(); ++v)
    if (values[v].name == value_name) return static_cast<int>(v);
  return -1;
}

int Graph::add_node(Node node) {
  for (int v : node.inputs) check_index(*this, v, "node '" + node.name + "' input");
  for (int v : node.outputs) check_index(*this, v, "node '" + node.name + "' output");
  nodes.push_back(std::move(node));
  return static_cast<int>(nodes.size()) - 1;
}

int Graph::producer(int v) const {
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].dead) continue;
    for (int out : nodes[n].outputs)
      if (out == v) return static_cast<int>(n);
  }
  return -1;
}

std::vector<int> Graph::consumers(int v) const {
  std::vector<int> readers;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (nodes[n].dead) continue;
    for (int in : nodes[n].inputs) {
      if (in == v) {
        readers.push_back(static_cast<int>(n));
        break;
      }
    }
  }
  return readers;
}

bool Graph::is_graph_output(int v) const {
  for (int out : outputs)
    if (out == v) return true;
  return false;
}

void Graph::replace_uses(int from, int to) {
  for (Node& node : nodes) {
    if (node.dead) continue;
    for (int& in : node.inputs)
      if (in == from) in = to;
  }
  for (int& out : outputs)
    if (out == from) out = to;
}

void Graph::topological_sort() {
  const size_t num_nodes = nodes.size();
  std::vector<int> producer_of(values.size(), -1);
  for (size_t n = 0; n < num_nodes; ++n) {
    if (nodes[n].dead) continue;
    for (int out : nodes[n].outputs) producer_of[static_cast<size_t>(out)] = static_cast<int>(n);
  }
  std::vector<int> pending(num_nodes, 0);
  std::vector<std::vector<int>> readers(num_nodes);
  for (size_t n = 0; n < num_nodes; ++n) {
    if (nodes[n].dead) continue;
    std::unordered_set<int> sources;
    for (int in : nodes[n].inputs) {
      const int p = producer_of[static_cast<size_t>(in)];
      if (p >= 0 && sources.insert(p).second)
        readers[static_cast<size_t>(p)].push_back(static_cast<int>(n));
    }
    pending[n] = static_cast<int>(sources.size());
  }
  // Kahn's algorithm, always taking the lowest ready index so an already sorted graph keeps its
  // order.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  size_t live = 0;
  for (size_t n = 0; n < num_nodes; ++n) {
    if (nodes[n].dead) continue;
    ++live;
    if (pending[n] == 0) ready.push(static_cast<int>(n));
  }
  std::vector<int> order;
  order.reserve(num_nodes);
  while (!ready.empty()) {
    const int n = ready.top();
    ready.pop();
    order.push_back(n);
    for (int r : readers[static_cast<size_t>(n)])
      if (--pending[static_cast<size_t>(r)] == 0) ready.push(r);
  }
  if (order.size() != live) fail(Code::kInvalidModel, "graph '" + name + "' has a cycle");
  for (size_t n = 0; n < num_nodes; ++n)
    if (nodes[n].dead) order.push_back(static_cast<int>(n));
  std::vector<Node> sorted;
  sorted.reserve(num_nodes);
  for (int n : order) sorted.push_back(std::move(nodes[static_cast<size_t>(n)]));
  nodes = std::move(sorted);
}

void Graph::compact() {
  // Drop nodes nobody reads, repeatedly, so whole unused chains go.
  std::vector<int> readers(values.size(), 0);
  for (int out : outputs) ++readers[static_cast<size_t>(out)];
  for (const Node& node : nodes)
    if (!node.dead)
      for (int in : node.inputs) ++readers[static_cast<size_t>(in)];
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
      Node& node = *it;
      if (node.dead) continue;
      bool read = false;
      for (int out : node.outputs) read = read || readers[static_cast<size_t>(out)] > 0;
      if (read) continue;
      node.dead = true;
      for (int in : node.inputs) --readers[static_cast<size_t>(in)];
      changed = true;
    }
  }

  std::vector<char> referenced(values.size(), 0);
  for (int v : inputs) referenced[static_cast<size_t>(v)] = 1;
  for (int v : outputs) referenced[static_cast<size_t>(v)] = 1;
  std::vector<Node> live;
  live.reserve(nodes.size());
  for (Node& node : nodes) {
    if (node.dead) continue;
    for (int v : node.inputs) referenced[static_cast<size_t>(v)] = 1;
    for (int v : node.outputs) referenced[static_cast<size_t>(v)] = 1;
    live.push_back(std::move(node));
  }
  nodes = std::move(live);

  std::vector<int> renumber(values.size(), -1);
  std::vector<Value> kept;
  for (size_t v = 0; v < values.size(); ++v) {
    if (!referenced[v]) continue;
    renumber[v] = static_cast<int>(kept.size());
    kept.push_back(std::move(values[v]));
  }
  values = std::move(kept);
  auto remap = [&](std::vector<int>& indices) {
    for (int& v : indices) v = renumber[static_cast<size_t>(v)];
  };
  for (Node& node : nodes) {
    remap(node.inputs);
    remap(node.outputs);
  }
  remap(inputs);
  remap(outputs);
}

}  // namespace sprig::convert
