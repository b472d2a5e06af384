// Quantized tensors: how many scales a Quantization describes, and the real values it stands for
// (real = scale * (q - zero_point), see runtime/schema/sprig.fbs).
//
// Rounding, used wherever the project quantizes (converter, tests, int8 kernels): round to
// nearest, ties to even (std::nearbyint in the default mode), then saturate to the dtype's range.
#pragma once

#include <cstdint>

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig {

// I8, U8 and I4: the dtypes a Quantization may describe.
bool is_quantized_dtype(DType dtype);

// The number of scales `q` needs for a tensor of `shape`: 1 per tensor, shape[axis] per channel,
// numel / group_size per group. -1 when q does not fit the shape (axis out of range, group size
// not dividing the last dimension, negative group size).
int64_t quantization_scale_count(const fb::Quantization& q, const Shape& shape);

// The scale and zero point of parameter i (i < quantization_scale_count) of a checked tensor,
// from the Quantization's lists or its scale / zero point tensors.
float quantization_scale(const TensorView& t, int64_t i);
int64_t quantization_zero_point(const TensorView& t, int64_t i);

// The stored integer of element i of an I8, U8 or I4 tensor.
int32_t quantized_value(const TensorView& t, int64_t i);

// Writes the real value of every element of `t` (quantized, checked by the model loader) to out
// (numel floats). Errors: kUnsupported for a dtype that is not quantized or a tensor without
// quantization.
Status dequantize_to_f32(const TensorView& t, float* out);
// The same for elements [first, first + count) of `t` (row-major), written to out[0, count).
// No allocation.
Status dequantize_range_to_f32(const TensorView& t, int64_t first, int64_t count, float* out);

}  // namespace sprig
