// Graph-editing helpers the passes share.
#pragma once

#include <string>
#include <vector>

#include "converter/ir/graph.h"

namespace sprig::convert {

bool is_constant(const Graph& graph, int v);
// Live readers of v, plus one when v is a graph output.
int count_readers(const Graph& graph, int v);

// Appends a Transpose of `input` writing a new value named after `output_name`; returns the value.
// A Transpose node from value `input` to value `output`.
Node transpose_node(int input, int output, const std::vector<int>& perm, const std::string& name);

int add_transpose(Graph& graph, int input, const std::vector<int>& perm,
                  const std::string& output_name, const std::string& node_name);

std::vector<int> inverse_permutation(const std::vector<int>& perm);
bool is_identity_permutation(const std::vector<int>& perm);
std::vector<int64_t> permute_shape(const std::vector<int64_t>& shape, const std::vector<int>& perm);
// Constant bytes of `value` (any dtype of a whole number of bytes) transposed by `perm`.
std::vector<uint8_t> transpose_data(const Value& value, const std::vector<int>& perm);

// Writes float data into a constant, encoded in the constant's dtype (F32, F16 or BF16).
void set_f32_data(Value& value, const std::vector<float>& data);

// Makes every reader of `from` read `to` instead, so that the node writing `from` can go. When
// `from` is a graph output, `to` takes over its name; that is impossible (and nothing changes,
// false is returned) when `to` is a graph input, a graph output or a constant.
bool bypass_value(Graph& graph, int from, int to);

}  // namespace sprig::convert
