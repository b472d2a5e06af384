// One function per supported ONNX op: it reads the node's inputs and attributes through the
// Importer, emits IR nodes (or folds the op at import time) and binds the node's outputs.
// Failures throw ConvertError; the caller adds the node's name, op type and opset.
#pragma once

#include <string>
#include <vector>

#include "converter/import/onnx/attributes.h"
#include "converter/import/onnx/importer.h"
#include "onnx/onnx_pb.h"

namespace sprig::convert::onnx_import {

using OpImporter = void (*)(Importer&, const onnx::NodeProto&);

// The importer for `op_type`, or null when the op is not supported or not part of `opset`.
OpImporter find_op_importer(const std::string& op_type, int opset);

// The reduced axes of a ReduceMean / ReduceMax node (its "axes" attribute, or every axis),
// normalized to [0, rank). Throws kUnsupported for an empty list.
std::vector<int> reduce_axes(const Attributes& attrs, int rank);

// ops_conv.cc
void import_conv(Importer& im, const onnx::NodeProto& node);
// ops_pool.cc
void import_max_pool(Importer& im, const onnx::NodeProto& node);
void import_average_pool(Importer& im, const onnx::NodeProto& node);
void import_global_average_pool(Importer& im, const onnx::NodeProto& node);
// ops_linear.cc
void import_gemm(Importer& im, const onnx::NodeProto& node);
void import_matmul(Importer& im, const onnx::NodeProto& node);
// ops_elementwise.cc
void import_binary(Importer& im, const onnx::NodeProto& node);
void import_activation(Importer& im, const onnx::NodeProto& node);
void import_clip(Importer& im, const onnx::NodeProto& node);
// ops_normalization.cc
void import_batch_norm(Importer& im, const onnx::NodeProto& node);
void import_softmax(Importer& im, const onnx::NodeProto& node);
void import_reduce_mean(Importer& im, const onnx::NodeProto& node);
// ops_reshape.cc
void import_reshape(Importer& im, const onnx::NodeProto& node);
void import_flatten(Importer& im, const onnx::NodeProto& node);
void import_squeeze(Importer& im, const onnx::NodeProto& node);
void import_unsqueeze(Importer& im, const onnx::NodeProto& node);
// ops_data_movement.cc
void import_concat(Importer& im, const onnx::NodeProto& node);
void import_transpose(Importer& im, const onnx::NodeProto& node);
void import_pad(Importer& im, const onnx::NodeProto& node);
void import_slice(Importer& im, const onnx::NodeProto& node);
void import_gather(Importer& im, const onnx::NodeProto& node);
// ops_emulated.cc
void import_reduce_max(Importer& im, const onnx::NodeProto& node);
void import_abs(Importer& im, const onnx::NodeProto& node);
// Gelu on x, written to y: the importer of a whole Erf-based Gelu subgraph (gelu_pattern.h).
void import_gelu(Importer& im, const std::string& x_name, const std::string& y_name);
// ops_constant.cc
void import_constant(Importer& im, const onnx::NodeProto& node);
void import_identity(Importer& im, const onnx::NodeProto& node);
void import_dropout(Importer& im, const onnx::NodeProto& node);
void import_shape(Importer& im, const onnx::NodeProto& node);
void import_cast(Importer& im, const onnx::NodeProto& node);
void import_constant_of_shape(Importer& im, const onnx::NodeProto& node);
void import_range(Importer& im, const onnx::NodeProto& node);
void import_where(Importer& im, const onnx::NodeProto& node);
void import_expand(Importer& im, const onnx::NodeProto& node);

}  // namespace sprig::convert::onnx_import
