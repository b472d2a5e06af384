// Tensor shapes, element types and non-owning tensor views.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/schema/sprig_generated.h"

namespace sprig {

using DType = fb::DType;

constexpr int kMaxRank = 8;

// Bits per element; I4 is packed two per byte.
int dtype_bits(DType dtype);
const char* dtype_name(DType dtype);
bool dtype_is_valid(DType dtype);

struct Shape {
  int rank = 0;
  int64_t dims[kMaxRank] = {0};

  int64_t operator[](int i) const { return dims[i]; }
  int64_t& operator[](int i) { return dims[i]; }
  int64_t numel() const;
  bool operator==(const Shape& other) const;
  bool operator!=(const Shape& other) const { return !(*this == other); }
  // Formats as "[1, 3, 224, 224]" into buf; returns buf.
  const char* format(char* buf, size_t size) const;
};

// Bytes needed to store numel elements of dtype (I4 rounds up to whole bytes).
size_t tensor_bytes(DType dtype, int64_t numel);

// A typed view of memory owned elsewhere (the mmapped model, the session arena, or the caller).
struct TensorView {
  DType dtype = DType::F32;
  Shape shape;
  void* data = nullptr;
  const fb::Quantization* quantization = nullptr;  // null when not quantized
  // The constant tensors holding the scales / zero points when quantization names them
  // (scale_tensor, zero_point_tensor); they belong to the same Model.
  const TensorView* scales = nullptr;
  const TensorView* zero_points = nullptr;
  // A state tensor (Tensor.is_state): kept across runs, written in place by the op that owns it.
  bool is_state = false;
  // A run-time leading dimension (Tensor.dim0_symbol), 0 when fixed. In the Model's views shape[0]
  // is its upper bound; in a Session's views it is the current value (Session::set_rows).
  int dim0_symbol = 0;

  size_t bytes() const { return tensor_bytes(dtype, shape.numel()); }
  float* f32() const { return static_cast<float*>(data); }
  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

// IEEE half and bfloat16 conversions.
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_bf16(float f);

}  // namespace sprig
