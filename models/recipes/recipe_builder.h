// Graph building shared by the Hugging Face recipes: checkpoint tensors become F32 constants of
// the same name (their shapes checked against what config.json implies), and each op helper adds
// one node whose output takes the current run-time leading dimension (Tensor.dim0_symbol).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/import/safetensors/safetensors.h"
#include "converter/ir/graph.h"

namespace sprig::convert {

class RecipeBuilder {
 public:
  RecipeBuilder(const SafetensorsCheckpoint& checkpoint, const std::string& graph_name);

  Graph& graph() { return g_; }
  const std::vector<int64_t>& shape(int v) const { return g_.values[static_cast<size_t>(v)].shape; }
  // The leading dimension of the op outputs added from now on: a run-time dimension k > 0, or 0
  // (fixed).
  void set_rows_symbol(int symbol) { rows_symbol_ = symbol; }

  // A graph input with run-time leading dimension `symbol` (0: fixed).
  int input(const std::string& name, fb::DType dtype, std::vector<int64_t> shape, int symbol);
  // Marks `v` a graph output named `name`.
  void output(int v, const std::string& name);
  // Checkpoint tensor `name` as an F32 constant; kInvalidModel naming it when absent or shaped
  // otherwise than `shape`. With `stored_shape` (the same element count), the constant has it.
  int weight(const std::string& name, const std::vector<int64_t>& shape,
             std::vector<int64_t> stored_shape = {});
  bool has(const std::string& name) const { return checkpoint_.find(name) != nullptr; }
  // Checkpoint tensor `name`'s values as float, checked as weight() checks them (for weights a
  // recipe rearranges before adding them).
  std::vector<float> values(const std::string& name, const std::vector<int64_t>& shape) const;
  // An I32 constant (indices).
  int indices(const std::string& name, const std::vector<int32_t>& values);

  int op(fb::OpType type, const std::string& name, std::vector<int> inputs, std::vector<int64_t> out_shape,
         fb::OpOptionsUnion options);
  // x [.., in] times w [out, in]^T (+ b when b >= 0), then `activation`.
  int linear(const std::string& name, int x, int w, int b, fb::ActivationKind activation = fb::ActivationKind::None);
  // linear() over the checkpoint's `module`.weight [out, in] (and `module`.bias [out]).
  int projection(const std::string& module, int x, int64_t out, bool with_bias,
                 fb::ActivationKind activation = fb::ActivationKind::None);
  int rms_norm(const std::string& module, int x, double epsilon);    // module.weight
  int layer_norm(const std::string& module, int x, double epsilon);  // module.weight, module.bias
  int reshape(const std::string& name, int x, std::vector<int64_t> shape);
  int binary(fb::OpType type, const std::string& name, int a, int b);
  int add(const std::string& name, int a, int b) { return binary(fb::OpType::Add, name, a, b); }
  // Rows of `table` [R, D] picked by `indices` [N]: [N, D].
  int gather(const std::string& name, int table, int indices);
  // Scaled dot-product attention over q, k, v [T, H, D] (and the caches and positions when given).
  int attention(const std::string& name, std::vector<int> inputs, bool causal);

 private:
  const SafetensorsCheckpoint& checkpoint_;
  Graph g_;
  int rows_symbol_ = 0;
};

}  // namespace sprig::convert
