#include "runtime/core/quantization.h"

#include <algorithm>
#include <cmath>

#include "runtime/core/int8_arith.h"

namespace sprig {

bool is_quantized_dtype(DType dtype) {
  return dtype == DType::I8 || dtype == DType::U8 || dtype == DType::I4;
}

int64_t quantization_scale_count(const fb::Quantization& q, const Shape& shape) {
  if (q.group_size() < 0) return -1;
  if (q.group_size() > 0) {
    if (shape.rank == 0 || shape[shape.rank - 1] % q.group_size() != 0) return -1;
    return shape.numel() / q.group_size();
  }
  if (q.axis() == -1) return 1;
  if (q.axis() < 0 || q.axis() >= shape.rank) return -1;
  return shape[q.axis()];
}

float quantization_scale(const TensorView& t, int64_t i) {
  if (t.scales != nullptr) {
    if (t.scales->dtype == DType::F16) return f16_to_f32(t.scales->as<const uint16_t>()[i]);
    return t.scales->as<const float>()[i];
  }
  return t.quantization->scale()->Get(static_cast<flatbuffers::uoffset_t>(i));
}

int64_t quantization_zero_point(const TensorView& t, int64_t i) {
  if (t.zero_points != nullptr) return t.zero_points->as<const int8_t>()[i];
  const auto* zero_points = t.quantization->zero_point();
  if (zero_points == nullptr || zero_points->size() == 0) return 0;
  return zero_points->Get(static_cast<flatbuffers::uoffset_t>(i));
}

int32_t quantized_value(const TensorView& t, int64_t i) {
  switch (t.dtype) {
    case DType::I8:
      return t.as<const int8_t>()[i];
    case DType::U8:
      return t.as<const uint8_t>()[i];
    default: {  // I4: two per byte, low nibble first, signed
      const uint8_t byte = t.as<const uint8_t>()[i / 2];
      const int32_t nibble = (i % 2 == 0) ? (byte & 0x0F) : (byte >> 4);
      return nibble >= 8 ? nibble - 16 : nibble;
    }
  }
}

Status dequantize_to_f32(const TensorView& t, float* out) {
  return dequantize_range_to_f32(t, 0, t.shape.numel(), out);
}

Status dequantize_range_to_f32(const TensorView& t, int64_t first, int64_t count, float* out) {
  if (!is_quantized_dtype(t.dtype) || t.quantization == nullptr)
    return Status::error(Code::kUnsupported, "dequantize: dtype %s without quantization",
                         dtype_name(t.dtype));
  const fb::Quantization& q = *t.quantization;
  const Shape& shape = t.shape;
  const int64_t n = shape.numel();
  // Elements per scale run: the whole tensor, one channel's inner block, or one group.
  int64_t inner = n, period = 1;
  if (q.group_size() > 0) {
    inner = q.group_size();
    period = n / inner;
  } else if (q.axis() >= 0) {
    inner = 1;
    for (int d = q.axis() + 1; d < shape.rank; ++d) inner *= shape[d];
    period = shape[q.axis()];
  }
  for (int64_t i = first; i < first + count; ++i) {
    const int64_t p = (i / inner) % period;
    out[i - first] = quantization_scale(t, p) *
                     static_cast<float>(quantized_value(t, i) - quantization_zero_point(t, p));
  }
  return Status::ok_status();
}

Int8Params int8_params(const TensorView& t) {
  Int8Params params;
  params.scale = quantization_scale(t, 0);
  params.zero_point = static_cast<int32_t>(quantization_zero_point(t, 0));
  return params;
}

bool int8_activation_range(const fb::Activation* activation, Int8Params y, Int8Range* range) {
  *range = Int8Range();
  if (activation == nullptr || activation->kind() == fb::ActivationKind::None) return true;
  auto bound = [&](float real) {
    const float q = std::nearbyint(real / y.scale) + static_cast<float>(y.zero_point);
    return static_cast<int32_t>(std::min(127.0f, std::max(-128.0f, q)));
  };
  if (activation->kind() == fb::ActivationKind::Relu) {
    range->lo = bound(0.0f);
    return true;
  }
  if (activation->kind() != fb::ActivationKind::Clip) return false;
  range->lo = bound(activation->alpha());
  range->hi = std::max(range->lo, bound(activation->beta()));
  return true;
}

}  // namespace sprig
