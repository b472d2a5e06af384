// The state of one ONNX import: the graph being built, what each ONNX value name stands for (a
// graph value or a constant known at import time), and helpers that emit IR nodes. The per-op
// importers (ops_*.cc) work through it. Errors are ConvertErrors; the caller prefixes them with the
// node's name, op type and opset.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "converter/import/onnx/host_tensor.h"
#include "converter/ir/graph.h"
#include "onnx/onnx_pb.h"

namespace sprig::convert::onnx_import {

class Importer {
 public:
  Importer(Graph& graph, int opset) : graph_(graph), opset_(opset) {}

  Graph& graph() { return graph_; }
  int opset() const { return opset_; }

  // The node being imported; emitted nodes carry its name.
  void begin_node(const std::string& name) { node_name_ = name; }
  const std::string& node_name() const { return node_name_; }

  bool is_defined(const std::string& name) const;
  // True when `name` is a constant known at import time.
  bool is_host(const std::string& name) const;
  // The constant behind `name`; kUnsupported when it is computed at run time.
  const HostTensor& host(const std::string& name) const;
  void bind_host(const std::string& name, HostTensor tensor);
  void bind_value(const std::string& name, int value);
  // `name` stands for whatever `existing` stands for.
  void alias(const std::string& name, const std::string& existing);
  // Whether any node or graph output reads `name` (set up by the caller before importing nodes).
  void set_used_names(std::set<std::string> names) { used_ = std::move(names); }
  bool is_used(const std::string& name) const { return !name.empty() && used_.count(name) > 0; }
  // The graph value behind `name`; a constant known now becomes an F32 graph constant named
  // after it (once).
  int value(const std::string& name);
  // The shape of `name`, constant or not.
  Dims shape_of(const std::string& name) const;

  // An F32 graph constant, named `name` or a unique variant of it.
  int add_constant(const std::string& name, const HostTensor& tensor);
  // The constant made by `make` under `key`, made once.
  template <typename Make>
  int cached_constant(const std::string& key, Make make) {
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const int v = make();
    cache_[key] = v;
    return v;
  }

  // Appends a node writing a new F32 value named after `output_name`; returns the value.
  int emit(fb::OpType type, std::vector<int> inputs, const std::string& output_name, Dims shape,
           fb::OpOptionsUnion options);
  int emit_transpose(int input, const std::vector<int>& perm, const std::string& output_name);
  int emit_reshape(int input, Dims shape, const std::string& output_name);
  // NCHW <-> NHWC for ops the runtime runs on NHWC.
  int to_nhwc(int input);
  int to_nchw(int input, const std::string& output_name);

  // A reference into the graph: emitting nodes may move it.
  const Value& info(int value) const { return graph_.values[static_cast<size_t>(value)]; }

 private:
  struct Binding {
    int value = -1;
    std::shared_ptr<const HostTensor> host;
  };
  const Binding& binding(const std::string& name) const;

  Graph& graph_;
  int opset_;
  std::string node_name_;
  std::map<std::string, Binding> bindings_;
  std::map<std::string, int> cache_;
  std::set<std::string> used_;
};

// Input i of a node, or "" when it is absent (missing or an empty name).
std::string node_input(const onnx::NodeProto& node, int i);
std::string node_output(const onnx::NodeProto& node, int i);
// Input i, which must be present (kInvalidModel).
std::string required_input(const onnx::NodeProto& node, int i);

}  // namespace sprig::convert::onnx_import
