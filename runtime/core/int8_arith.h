// Full-integer int8 arithmetic: the one definition of how every int8 op rounds and saturates.
// The reference kernels call these functions; the optimized kernels (ours and XNNPACK's qc8
// convolutions, which requantize the same way) compute the same values lane by lane, so a model
// gives the same bytes on every backend.
//
//   accumulate   acc = bias + sum((x - x_zero_point) * w)                     exact, int32
//   requantize   y = clamp(round(float(acc) * m), lo - zp, hi - zp) + zp      m a float
//   round        to nearest, ties to even (the default floating-point mode)
//
// The multipliers are computed once, in float, in the order the helpers below write them.
#pragma once

#include <cmath>
#include <cstdint>

#include "runtime/core/tensor.h"

namespace sprig {

// The scale and zero point of a per-tensor quantized I8 activation.
struct Int8Params {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// The output range of an int8 op after its fused activation (in stored integers).
struct Int8Range {
  int32_t lo = -128;
  int32_t hi = 127;
};

// Params of an I8 tensor the op checker accepted (per-tensor quantization).
Int8Params int8_params(const TensorView& t);

// The range a fused activation leaves: none, Relu, Relu6-style Clip(0, max) and any Clip(min, max);
// false for activations int8 ops cannot fuse (the op checker refuses those).
bool int8_activation_range(const fb::Activation* activation, Int8Params y, Int8Range* range);

// Conv2D / FullyConnected: m = input_scale * weight_scale / output_scale.
inline float int8_conv_multiplier(float input_scale, float weight_scale, float output_scale) {
  return input_scale * weight_scale / output_scale;
}

// GlobalAveragePool over `count` positions: m = input_scale / (output_scale * count).
inline float int8_average_multiplier(float input_scale, float output_scale, int64_t count) {
  return input_scale / (output_scale * static_cast<float>(count));
}

// Add: m_a = a_scale / y_scale, m_b = b_scale / y_scale.
inline float int8_add_multiplier(float input_scale, float output_scale) {
  return input_scale / output_scale;
}

// Rounds and clamps an already scaled value into [range.lo, range.hi] around `zero_point`.
inline int8_t int8_round(float scaled, int32_t zero_point, Int8Range range) {
  const float lo = static_cast<float>(range.lo - zero_point);
  const float hi = static_cast<float>(range.hi - zero_point);
  if (!(scaled >= lo)) scaled = lo;  // NaN too
  if (scaled > hi) scaled = hi;
  return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(scaled)) + zero_point);
}

inline int8_t int8_requantize(int32_t acc, float multiplier, int32_t zero_point, Int8Range range) {
  return int8_round(static_cast<float>(acc) * multiplier, zero_point, range);
}

// Add: the two scaled inputs summed with one rounding (a fused multiply-add).
inline int8_t int8_add(int32_t a, int32_t b, float a_multiplier, float b_multiplier,
                       int32_t zero_point, Int8Range range) {
  return int8_round(std::fma(static_cast<float>(b), b_multiplier,
                             static_cast<float>(a) * a_multiplier),
                    zero_point, range);
}

// Quantize: y = round(x * (1 / scale)) + zero_point, saturated to int8.
inline float int8_inverse_scale(float scale) { return 1.0f / scale; }
inline int8_t int8_quantize(float x, float inverse_scale, int32_t zero_point) {
  return int8_round(x * inverse_scale, zero_point, Int8Range());
}

// Dequantize: y = float(q - zero_point) * scale.
inline float int8_dequantize(int8_t q, float scale, int32_t zero_point) {
  return static_cast<float>(static_cast<int32_t>(q) - zero_point) * scale;
}

}  // namespace sprig
