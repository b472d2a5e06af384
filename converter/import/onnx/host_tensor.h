// A constant known while importing: an initializer, a Constant node, or the folded result of a
// shape computation (Shape, Gather, Concat, ...). Host tensors become graph constants only when a
// runtime op reads them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/import/onnx/shape_math.h"
#include "onnx/onnx_pb.h"

namespace sprig::convert::onnx_import {

struct HostTensor {
  int32_t elem_type = onnx::TensorProto::FLOAT;  // an onnx::TensorProto::DataType
  Dims shape;
  std::vector<float> floats;  // FLOAT and FLOAT16
  std::vector<int64_t> ints;  // INT32, INT64 and BOOL

  bool is_float() const {
    return elem_type == onnx::TensorProto::FLOAT || elem_type == onnx::TensorProto::FLOAT16;
  }
  int64_t numel() const { return dims_numel(shape); }
  // Element i converted to float or to integer, whatever the element type.
  float float_at(int64_t i) const;
  int64_t int_at(int64_t i) const;
  std::vector<float> as_floats() const;
  std::vector<int64_t> as_ints() const;
};

HostTensor float_tensor(Dims shape, std::vector<float> values);
HostTensor int_tensor(Dims shape, std::vector<int64_t> values);

// FLOAT, FLOAT16, INT32, INT64 and BOOL tensors, from raw_data or the typed fields. Throws
// kUnsupported for other element types and for external data, kInvalidModel for a size mismatch.
HostTensor tensor_from_proto(const onnx::TensorProto& proto);

const char* elem_type_name(int32_t elem_type);

}  // namespace sprig::convert::onnx_import
