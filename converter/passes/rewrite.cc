#include "converter/passes/rewrite.h"

#include <algorithm>
#include <cstring>

#include "converter/ir/error.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {

bool is_constant(const Graph& graph, int v) {
  return graph.values[static_cast<size_t>(v)].is_constant;
}

int count_readers(const Graph& graph, int v) {
  return static_cast<int>(graph.consumers(v).size()) + (graph.is_graph_output(v) ? 1 : 0);
}

Node transpose_node(int input, int output, const std::vector<int>& perm, const std::string& name) {
  Node node;
  node.type = fb::OpType::Transpose;
  node.inputs = {input};
  node.outputs = {output};
  fb::TransposeOptionsT options;
  options.perm = perm;
  node.options.Set(std::move(options));
  node.name = name;
  return node;
}

int add_transpose(Graph& graph, int input, const std::vector<int>& perm,
                  const std::string& output_name, const std::string& node_name) {
  const Value& in = graph.values[static_cast<size_t>(input)];
  const int out = graph.add_value(output_name, in.dtype, permute_shape(in.shape, perm));
  graph.add_node(transpose_node(input, out, perm, node_name));
  return out;
}

std::vector<int> inverse_permutation(const std::vector<int>& perm) {
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inverse[static_cast<size_t>(perm[i])] = static_cast<int>(i);
  return inverse;
}

bool is_identity_permutation(const std::vector<int>& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int>(i)) return false;
  return true;
}

std::vector<int64_t> permute_shape(const std::vector<int64_t>& shape,
                                   const std::vector<int>& perm) {
  std::vector<int64_t> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = shape[static_cast<size_t>(perm[i])];
  return out;
}

std::vector<uint8_t> transpose_data(const Value& value, const std::vector<int>& perm) {
  const int bits = dtype_bits(value.dtype);
  if (bits % 8 != 0)
    fail(Code::kUnsupported, "cannot transpose packed constant '" + value.name + "'");
  const size_t element = static_cast<size_t>(bits / 8);
  const size_t rank = value.shape.size();
  std::vector<int64_t> strides(rank, 1);
  for (size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * value.shape[d];
  const std::vector<int64_t> out_shape = permute_shape(value.shape, perm);
  const int64_t n = value.numel();
  std::vector<uint8_t> out(value.data.size());
  for (int64_t i = 0; i < n; ++i) {
    int64_t rest = i, source = 0;
    for (size_t d = rank; d-- > 0;) {
      source += (rest % out_shape[d]) * strides[static_cast<size_t>(perm[d])];
      rest /= out_shape[d];
    }
    std::memcpy(out.data() + static_cast<size_t>(i) * element,
                value.data.data() + static_cast<size_t>(source) * element, element);
  }
  return out;
}

void set_f32_data(Value& value, const std::vector<float>& data) {
  value.is_constant = true;
  switch (value.dtype) {
    case fb::DType::F32:
      value.data.resize(data.size() * sizeof(float));
      if (!data.empty()) std::memcpy(value.data.data(), data.data(), value.data.size());
      return;
    case fb::DType::F16:
    case fb::DType::BF16: {
      value.data.resize(data.size() * sizeof(uint16_t));
      for (size_t i = 0; i < data.size(); ++i) {
        const uint16_t bits =
            value.dtype == fb::DType::F16 ? f32_to_f16(data[i]) : f32_to_bf16(data[i]);
        std::memcpy(value.data.data() + i * sizeof(uint16_t), &bits, sizeof(bits));
      }
      return;
    }
    default:
      fail(Code::kInvalidArgument, std::string("constant '") + value.name + "' of dtype " +
                                       dtype_name(value.dtype) + " cannot hold float data");
  }
}

bool bypass_value(Graph& graph, int from, int to) {
  if (from == to) return true;
  if (graph.is_graph_output(from)) {
    const bool is_input =
        std::find(graph.inputs.begin(), graph.inputs.end(), to) != graph.inputs.end();
    if (is_input || graph.is_graph_output(to) || is_constant(graph, to)) return false;
    std::swap(graph.values[static_cast<size_t>(from)].name,
              graph.values[static_cast<size_t>(to)].name);
  }
  graph.replace_uses(from, to);
  return true;
}

}  // namespace sprig::convert
