// What every int8 Conv2D / FullyConnected op (int8_gemm_conv.cc, int8_winograd_conv.cc,
// int8_depthwise_conv.cc) reads from its checked signature: the data, the input zero point, the
// output's zero point and fused range, and the per-output-channel requantization multipliers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_op.h"
#include "backends/cpu/kernels/qconv/qconv.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/quantization.h"

namespace sprig::cpu {

struct Int8ConvIo {
  const int8_t* x = nullptr;
  const int8_t* w = nullptr;
  const int32_t* bias = nullptr;  // null when absent
  int8_t* y = nullptr;
  int32_t x_zero = 0;
  QConvOutput output;
  size_t out_channels = 0;  // w.shape[0]
};

inline Int8ConvIo int8_conv_io(const OpSignature& op) {
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  Int8ConvIo io;
  io.x = x.as<const int8_t>();
  io.w = w.as<const int8_t>();
  io.bias = bias ? bias->as<const int32_t>() : nullptr;
  io.y = y.as<int8_t>();
  io.x_zero = int8_params(x).zero_point;
  const Int8Params yq = int8_params(y);
  io.output.zero_point = yq.zero_point;
  const fb::Activation* fused = op.op->type() == fb::OpType::Conv2D
                                    ? op.op->options_as_Conv2DOptions()->fused()
                                    : op.op->options_as_FullyConnectedOptions()->fused();
  (void)int8_activation_range(fused, yq, &io.output.range);
  io.out_channels = static_cast<size_t>(w.shape[0]);
  return io;
}

// The requantization multiplier of each output channel into *multipliers (allocated here);
// false when out of memory.
inline bool int8_conv_multipliers(const OpSignature& op, AlignedBuffer* multipliers) {
  const TensorView& w = *op.inputs[1];
  const size_t n = static_cast<size_t>(w.shape[0]);
  if (!multipliers->allocate(n * sizeof(float))) return false;
  const float x_scale = int8_params(*op.inputs[0]).scale;
  const float y_scale = int8_params(*op.outputs[0]).scale;
  for (size_t c = 0; c < n; ++c)
    multipliers->as<float>()[c] =
        int8_conv_multiplier(x_scale, quantization_scale(w, static_cast<int64_t>(c)), y_scale);
  return true;
}

}  // namespace sprig::cpu
