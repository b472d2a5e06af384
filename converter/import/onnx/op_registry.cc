#include <map>

#include "converter/import/onnx/op_importers.h"

namespace sprig::convert::onnx_import {
namespace {

struct Entry {
  OpImporter importer;
  int since_opset;
};

const std::map<std::string, Entry>& registry() {
  static const std::map<std::string, Entry> table = {
      {"Abs", {import_abs, 1}},
      {"Add", {import_binary, 1}},
      {"AveragePool", {import_average_pool, 1}},
      {"BatchNormalization", {import_batch_norm, 1}},
      {"Cast", {import_cast, 1}},
      {"Clip", {import_clip, 11}},
      {"Concat", {import_concat, 1}},
      {"Constant", {import_constant, 1}},
      {"ConstantOfShape", {import_constant_of_shape, 9}},
      {"Conv", {import_conv, 1}},
      {"Div", {import_binary, 1}},
      {"Dropout", {import_dropout, 1}},
      {"Equal", {import_binary, 1}},
      {"Expand", {import_expand, 8}},
      {"Flatten", {import_flatten, 1}},
      {"Gather", {import_gather, 1}},
      {"Gemm", {import_gemm, 1}},
      {"GlobalAveragePool", {import_global_average_pool, 1}},
      {"HardSigmoid", {import_activation, 1}},
      {"HardSwish", {import_activation, 14}},
      {"Identity", {import_identity, 1}},
      {"LeakyRelu", {import_activation, 1}},
      {"MatMul", {import_matmul, 1}},
      {"MaxPool", {import_max_pool, 1}},
      {"Mul", {import_binary, 1}},
      {"Pad", {import_pad, 11}},
      {"Range", {import_range, 11}},
      {"ReduceMax", {import_reduce_max, 1}},
      {"ReduceMean", {import_reduce_mean, 1}},
      {"Relu", {import_activation, 1}},
      {"Reshape", {import_reshape, 5}},
      {"Shape", {import_shape, 1}},
      {"Sigmoid", {import_activation, 1}},
      {"Slice", {import_slice, 10}},
      {"Softmax", {import_softmax, 1}},
      {"Squeeze", {import_squeeze, 1}},
      {"Sub", {import_binary, 1}},
      {"Tanh", {import_activation, 1}},
      {"Transpose", {import_transpose, 1}},
      {"Unsqueeze", {import_unsqueeze, 1}},
      {"Where", {import_where, 9}},
  };
  return table;
}

}  // namespace

OpImporter find_op_importer(const std::string& op_type, int opset) {
  const auto& table = registry();
  auto it = table.find(op_type);
  if (it == table.end() || opset < it->second.since_opset) return nullptr;
  return it->second.importer;
}

}  // namespace sprig::convert::onnx_import
