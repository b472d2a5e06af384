#include "converter/import/onnx/host_tensor.h"

#include <cstring>

#include "converter/ir/error.h"
#include "runtime/core/tensor.h"

namespace sprig::convert::onnx_import {
namespace {

template <typename T>
std::vector<T> read_raw(const std::string& raw, int64_t count, const std::string& name) {
  if (raw.size() != static_cast<size_t>(count) * sizeof(T))
    fail(Code::kInvalidModel, "tensor '" + name + "' has " + std::to_string(raw.size()) +
                                  " bytes of raw data, its shape needs " +
                                  std::to_string(static_cast<size_t>(count) * sizeof(T)));
  std::vector<T> out(static_cast<size_t>(count));
  if (count) std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

void check_count(size_t got, int64_t count, const std::string& name) {
  if (got != static_cast<size_t>(count))
    fail(Code::kInvalidModel, "tensor '" + name + "' has " + std::to_string(got) +
                                  " elements, its shape needs " + std::to_string(count));
}

}  // namespace

float HostTensor::float_at(int64_t i) const {
  return is_float() ? floats[static_cast<size_t>(i)]
                    : static_cast<float>(ints[static_cast<size_t>(i)]);
}

int64_t HostTensor::int_at(int64_t i) const {
  return is_float() ? static_cast<int64_t>(floats[static_cast<size_t>(i)])
                    : ints[static_cast<size_t>(i)];
}

std::vector<float> HostTensor::as_floats() const {
  if (is_float()) return floats;
  return std::vector<float>(ints.begin(), ints.end());
}

std::vector<int64_t> HostTensor::as_ints() const {
  if (!is_float()) return ints;
  std::vector<int64_t> out;
  out.reserve(floats.size());
  for (float f : floats) out.push_back(static_cast<int64_t>(f));
  return out;
}

HostTensor float_tensor(Dims shape, std::vector<float> values) {
  HostTensor t;
  t.elem_type = onnx::TensorProto::FLOAT;
  t.shape = std::move(shape);
  t.floats = std::move(values);
  return t;
}

HostTensor int_tensor(Dims shape, std::vector<int64_t> values) {
  HostTensor t;
  t.elem_type = onnx::TensorProto::INT64;
  t.shape = std::move(shape);
  t.ints = std::move(values);
  return t;
}

HostTensor tensor_from_proto(const onnx::TensorProto& proto) {
  const std::string& name = proto.name();
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0)
    fail(Code::kUnsupported, "tensor '" + name + "' keeps its data in an external file");
  if (proto.has_segment()) fail(Code::kUnsupported, "tensor '" + name + "' is segmented");
  HostTensor t;
  t.elem_type = proto.data_type();
  for (int64_t d : proto.dims()) {
    if (d < 0) fail(Code::kInvalidModel, "tensor '" + name + "' has a negative dimension");
    t.shape.push_back(d);
  }
  const int64_t count = checked_numel(t.shape);
  const bool raw = proto.has_raw_data();
  switch (proto.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw) {
        t.floats = read_raw<float>(proto.raw_data(), count, name);
      } else {
        check_count(static_cast<size_t>(proto.float_data_size()), count, name);
        t.floats.assign(proto.float_data().begin(), proto.float_data().end());
      }
      break;
    case onnx::TensorProto::FLOAT16: {
      std::vector<uint16_t> bits;
      if (raw) {
        bits = read_raw<uint16_t>(proto.raw_data(), count, name);
      } else {
        check_count(static_cast<size_t>(proto.int32_data_size()), count, name);
        for (int32_t v : proto.int32_data()) bits.push_back(static_cast<uint16_t>(v));
      }
      for (uint16_t b : bits) t.floats.push_back(f16_to_f32(b));
      break;
    }
    case onnx::TensorProto::INT64:
      if (raw) {
        t.ints = read_raw<int64_t>(proto.raw_data(), count, name);
      } else {
        check_count(static_cast<size_t>(proto.int64_data_size()), count, name);
        t.ints.assign(proto.int64_data().begin(), proto.int64_data().end());
      }
      break;
    case onnx::TensorProto::INT32:
      if (raw) {
        for (int32_t v : read_raw<int32_t>(proto.raw_data(), count, name)) t.ints.push_back(v);
      } else {
        check_count(static_cast<size_t>(proto.int32_data_size()), count, name);
        t.ints.assign(proto.int32_data().begin(), proto.int32_data().end());
      }
      break;
    case onnx::TensorProto::BOOL:
      if (raw) {
        for (uint8_t v : read_raw<uint8_t>(proto.raw_data(), count, name)) t.ints.push_back(v != 0);
      } else {
        check_count(static_cast<size_t>(proto.int32_data_size()), count, name);
        for (int32_t v : proto.int32_data()) t.ints.push_back(v != 0);
      }
      break;
    default:
      fail(Code::kUnsupported, "tensor '" + name + "' has element type " +
                                   elem_type_name(proto.data_type()) +
                                   " (float32, float16, int32, int64 and bool are supported)");
  }
  return t;
}

const char* elem_type_name(int32_t elem_type) {
  if (!onnx::TensorProto::DataType_IsValid(elem_type)) return "UNKNOWN";
  return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem_type))
      .c_str();
}

}  // namespace sprig::convert::onnx_import
