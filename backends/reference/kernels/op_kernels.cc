#include "backends/reference/kernels/op_kernels.h"

#include "backends/reference/kernels/activation.h"
#include "backends/reference/kernels/batch_norm.h"
#include "backends/reference/kernels/binary.h"
#include "backends/reference/kernels/concat.h"
#include "backends/reference/kernels/conv2d.h"
#include "backends/reference/kernels/fully_connected.h"
#include "backends/reference/kernels/global_average_pool.h"
#include "backends/reference/kernels/int8.h"
#include "backends/reference/kernels/matmul.h"
#include "backends/reference/kernels/pad.h"
#include "backends/reference/kernels/pool2d.h"
#include "backends/reference/kernels/reduce_mean.h"
#include "backends/reference/kernels/reshape.h"
#include "backends/reference/kernels/slice.h"
#include "backends/reference/kernels/softmax.h"
#include "backends/reference/kernels/transformer.h"
#include "backends/reference/kernels/transpose.h"
#include "runtime/ops/int8_op_check.h"

namespace sprig::reference {
namespace {

const TensorView& in(const OpSignature& s, int i) { return *s.inputs[i]; }
const TensorView& out(const OpSignature& s) { return *s.outputs[0]; }
const TensorView* bias(const OpSignature& s) { return s.num_inputs > 2 ? s.inputs[2] : nullptr; }

Status run_conv2d(const OpSignature& s) {
  return f32_conv2d_nhwc__ref(in(s, 0), in(s, 1), bias(s), *s.op->options_as_Conv2DOptions(),
                              out(s));
}

Status run_fully_connected(const OpSignature& s) {
  return f32_fully_connected__ref(in(s, 0), in(s, 1), bias(s),
                                  *s.op->options_as_FullyConnectedOptions(), out(s));
}

Status run_matmul(const OpSignature& s) { return f32_matmul__ref(in(s, 0), in(s, 1), out(s)); }

Status run_batch_norm(const OpSignature& s) {
  return f32_batch_norm__ref(in(s, 0), in(s, 1), in(s, 2), in(s, 3), in(s, 4),
                             *s.op->options_as_BatchNormOptions(), out(s));
}

const fb::Activation* binary_fused(const OpSignature& s) {
  return s.op->options_as_BinaryOptions()->fused();
}

Status run_add(const OpSignature& s) {
  return f32_add__ref(in(s, 0), in(s, 1), binary_fused(s), out(s));
}

Status run_sub(const OpSignature& s) {
  return f32_sub__ref(in(s, 0), in(s, 1), binary_fused(s), out(s));
}

Status run_mul(const OpSignature& s) {
  return f32_mul__ref(in(s, 0), in(s, 1), binary_fused(s), out(s));
}

Status run_div(const OpSignature& s) {
  return f32_div__ref(in(s, 0), in(s, 1), binary_fused(s), out(s));
}

Status run_activation(const OpSignature& s) {
  return f32_activation__ref(in(s, 0), s.op->options_as_ActivationOptions()->activation(), out(s));
}

Status run_max_pool2d(const OpSignature& s) {
  return f32_max_pool2d_nhwc__ref(in(s, 0), *s.op->options_as_Pool2DOptions(), out(s));
}

Status run_average_pool2d(const OpSignature& s) {
  return f32_average_pool2d_nhwc__ref(in(s, 0), *s.op->options_as_Pool2DOptions(), out(s));
}

Status run_global_average_pool(const OpSignature& s) {
  return f32_global_average_pool_nhwc__ref(in(s, 0), out(s));
}

Status run_reduce_mean(const OpSignature& s) {
  return f32_reduce_mean__ref(in(s, 0), *s.op->options_as_ReduceMeanOptions(), out(s));
}

Status run_softmax(const OpSignature& s) {
  return f32_softmax__ref(in(s, 0), *s.op->options_as_SoftmaxOptions(), out(s));
}

Status run_reshape(const OpSignature& s) { return f32_reshape__ref(in(s, 0), out(s)); }

Status run_concat(const OpSignature& s) {
  return f32_concat__ref(s.inputs, s.num_inputs, *s.op->options_as_ConcatOptions(), out(s));
}

Status run_transpose(const OpSignature& s) {
  return f32_transpose__ref(in(s, 0), *s.op->options_as_TransposeOptions(), out(s));
}

Status run_pad(const OpSignature& s) {
  return f32_pad__ref(in(s, 0), *s.op->options_as_PadOptions(), out(s));
}

Status run_slice(const OpSignature& s) {
  return f32_slice__ref(in(s, 0), *s.op->options_as_SliceOptions(), out(s));
}

Status run_gather(const OpSignature& s) { return f32_gather__ref(in(s, 0), in(s, 1), out(s)); }

Status run_rms_norm(const OpSignature& s) {
  return f32_rms_norm__ref(in(s, 0), in(s, 1), *s.op->options_as_RmsNormOptions(), out(s));
}

Status run_layer_norm(const OpSignature& s) {
  return f32_layer_norm__ref(in(s, 0), in(s, 1), bias(s), *s.op->options_as_LayerNormOptions(),
                             out(s));
}

Status run_rope(const OpSignature& s) {
  return f32_rope__ref(in(s, 0), in(s, 1), in(s, 2), *s.op->options_as_RopeOptions(), out(s));
}

Status run_attention(const OpSignature& s) {
  const bool cached = s.num_inputs == 6;
  return f32_attention__ref(in(s, 0), in(s, 1), in(s, 2), cached ? s.inputs[3] : nullptr,
                            cached ? s.inputs[4] : nullptr, cached ? s.inputs[5] : nullptr,
                            *s.op->options_as_AttentionOptions(), out(s));
}

Status run_quantize(const OpSignature& s) { return int8_quantize__ref(in(s, 0), out(s)); }

Status run_dequantize(const OpSignature& s) { return int8_dequantize__ref(in(s, 0), out(s)); }

Status run_int8_conv2d(const OpSignature& s) {
  return int8_conv2d_nhwc__ref(in(s, 0), in(s, 1), bias(s), *s.op->options_as_Conv2DOptions(),
                               out(s));
}

Status run_int8_fully_connected(const OpSignature& s) {
  return int8_fully_connected__ref(in(s, 0), in(s, 1), bias(s),
                                   *s.op->options_as_FullyConnectedOptions(), out(s));
}

Status run_int8_add(const OpSignature& s) {
  return int8_add__ref(in(s, 0), in(s, 1), binary_fused(s), out(s));
}

Status run_int8_max_pool2d(const OpSignature& s) {
  return int8_max_pool2d_nhwc__ref(in(s, 0), *s.op->options_as_Pool2DOptions(), out(s));
}

Status run_int8_global_average_pool(const OpSignature& s) {
  return int8_global_average_pool_nhwc__ref(in(s, 0), out(s));
}

Status run_int8_reshape(const OpSignature& s) { return int8_reshape__ref(in(s, 0), out(s)); }

}  // namespace

OpKernel reference_int8_kernel(fb::OpType type) {
  switch (type) {
    case fb::OpType::Quantize:
      return run_quantize;
    case fb::OpType::Dequantize:
      return run_dequantize;
    case fb::OpType::Conv2D:
      return run_int8_conv2d;
    case fb::OpType::FullyConnected:
      return run_int8_fully_connected;
    case fb::OpType::Add:
      return run_int8_add;
    case fb::OpType::MaxPool2D:
      return run_int8_max_pool2d;
    case fb::OpType::GlobalAveragePool:
      return run_int8_global_average_pool;
    case fb::OpType::Reshape:
      return run_int8_reshape;
    default:
      return nullptr;
  }
}

OpKernel reference_op_kernel(fb::OpType type) {
  switch (type) {
    case fb::OpType::Conv2D:
      return run_conv2d;
    case fb::OpType::FullyConnected:
      return run_fully_connected;
    case fb::OpType::MatMul:
      return run_matmul;
    case fb::OpType::BatchNorm:
      return run_batch_norm;
    case fb::OpType::Add:
      return run_add;
    case fb::OpType::Sub:
      return run_sub;
    case fb::OpType::Mul:
      return run_mul;
    case fb::OpType::Div:
      return run_div;
    case fb::OpType::Activation:
      return run_activation;
    case fb::OpType::MaxPool2D:
      return run_max_pool2d;
    case fb::OpType::AveragePool2D:
      return run_average_pool2d;
    case fb::OpType::GlobalAveragePool:
      return run_global_average_pool;
    case fb::OpType::ReduceMean:
      return run_reduce_mean;
    case fb::OpType::Softmax:
      return run_softmax;
    case fb::OpType::Reshape:
      return run_reshape;
    case fb::OpType::Concat:
      return run_concat;
    case fb::OpType::Transpose:
      return run_transpose;
    case fb::OpType::Pad:
      return run_pad;
    case fb::OpType::Slice:
      return run_slice;
    case fb::OpType::Gather:
      return run_gather;
    case fb::OpType::RmsNorm:
      return run_rms_norm;
    case fb::OpType::LayerNorm:
      return run_layer_norm;
    case fb::OpType::Rope:
      return run_rope;
    case fb::OpType::Attention:
      return run_attention;
    case fb::OpType::Quantize:
    case fb::OpType::Dequantize:
      return nullptr;
  }
  return nullptr;
}

OpKernel reference_kernel_for(const OpSignature& op) {
  return is_int8_op(op) ? reference_int8_kernel(op.op->type()) : reference_op_kernel(op.op->type());
}

}  // namespace sprig::reference
