// The converter's mutable graph. Importers build it, passes rewrite it, the serializer writes it.
//
// Values are tensors (activations or constants) with static shapes; nodes are ops of the runtime's
// op set (runtime/schema/sprig.fbs) with their options in flatbuffers' object API form, so the
// serializer writes them as they are. Value and node indices are stable: removing a node marks it
// dead, and compact() drops dead nodes and unused values at the end.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/schema/sprig_generated.h"

namespace sprig::convert {

struct Value {
  std::string name;
  fb::DType dtype = fb::DType::F32;
  std::vector<int64_t> shape;
  bool is_constant = false;
  bool is_state = false;  // kept across runs (a KV cache): see Tensor.is_state in sprig.fbs
  int dim0_symbol = 0;    // a run-time leading dimension: see Tensor.dim0_symbol in sprig.fbs
  std::vector<uint8_t> data;                        // constants only, dense row-major
  std::shared_ptr<fb::QuantizationT> quantization;  // null when not quantized
  // Group-wise scales (F16) and zero points (I8) of a quantized constant, too many to list in
  // `quantization`: the serializer writes them as constant tensors of their own and points
  // quantization's scale_tensor / zero_point_tensor at them. Empty when not used.
  std::vector<uint8_t> group_scales;
  std::vector<uint8_t> group_zero_points;

  int64_t numel() const;
  // Constant data converted to float (f32, f16, bf16, i32, i64, i8, u8).
  std::vector<float> to_f32() const;
  // Constant integer data (i32, i64, i8, u8) widened to int64.
  std::vector<int64_t> to_i64() const;
};

struct Node {
  fb::OpType type = fb::OpType::Conv2D;
  std::vector<int> inputs;   // value indices
  std::vector<int> outputs;
  fb::OpOptionsUnion options;
  std::string name;          // source node name, for messages
  bool dead = false;
};

class Graph {
 public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;  // execution order
  std::vector<int> inputs;
  std::vector<int> outputs;
  // The tokenizer of a text model, written into the file as it is; null for other models.
  std::shared_ptr<const fb::TokenizerT> tokenizer;

  int add_value(const std::string& name, fb::DType dtype, std::vector<int64_t> shape);
  int add_constant(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& data);
  int add_constant_i64(const std::string& name, std::vector<int64_t> shape,
                       const std::vector<int64_t>& data);
  // A name not used by any value yet, derived from `base`.
  std::string unique_name(const std::string& base);
  int find_value(const std::string& name) const;  // -1 when absent

  // Appends a node; returns its index. Nodes must be added in a valid execution order, or the
  // caller runs topological_sort() afterwards.
  int add_node(Node node);
  // Index of the live node producing value v, or -1 (constant or graph input).
  int producer(int v) const;
  // Live nodes reading value v.
  std::vector<int> consumers(int v) const;
  bool is_graph_output(int v) const;
  // Points every live reader (and the graph outputs) of `from` at `to`.
  void replace_uses(int from, int to);

  void topological_sort();
  // Drops dead nodes, nodes whose outputs nobody reads, and values nothing refers to; renumbers.
  void compact();

};

}  // namespace sprig::convert
