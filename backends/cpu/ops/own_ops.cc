#include "backends/cpu/ops/own_ops.h"

#include <new>

#include "backends/cpu/ops/conv_geometry.h"
#include "backends/cpu/ops/op_factories.h"
#include "backends/cpu/ops/sequence_op.h"
#include "runtime/ops/int8_op_check.h"

namespace sprig::cpu {
namespace {

bool is_depthwise(const OpSignature& op) {
  const auto* options = op.op->options_as_Conv2DOptions();
  const int64_t channels = op.inputs[0]->shape.dims[3];
  return options && options->groups() > 1 && options->groups() == channels;
}

bool all_f32_activations(const OpSignature& op) {
  // Inputs 1.. of Conv2D and FullyConnected are weights, checked by their factories.
  const bool has_weights =
      op.op->type() == fb::OpType::Conv2D || op.op->type() == fb::OpType::FullyConnected;
  for (int i = 0; i < (has_weights ? 1 : op.num_inputs); ++i)
    if (op.inputs[i] && op.inputs[i]->dtype != DType::F32) return false;
  for (int i = 0; i < op.num_outputs; ++i)
    if (op.outputs[i]->dtype != DType::F32) return false;
  return true;
}

// Creates an op whose kernel applies a clamp, followed by an in-place activation pass when the
// op's fused activation is not a clamp.
template <typename Factory>
Result<std::unique_ptr<CpuOp>> with_fused_activation(const OpSignature& op,
                                                     const CpuOpContext& context, Factory factory) {
  const fb::Activation* activation = fused_activation(*op.op);
  OutputClamp clamp;
  if (activation_as_clamp(activation, &clamp)) return factory(op, clamp, context);
  SPRIG_ASSIGN_OR_RETURN(std::unique_ptr<CpuOp> main, factory(op, OutputClamp(), context));
  return append_activation(std::move(main), activation, *op.outputs[0], context);
}

}  // namespace

Result<std::unique_ptr<CpuOp>> append_activation(std::unique_ptr<CpuOp> op,
                                                 const fb::Activation* activation,
                                                 const TensorView& y, const CpuOpContext& context) {
  OutputClamp clamp;
  if (activation_as_clamp(activation, &clamp)) return op;
  float* data = y.as<float>();
  SPRIG_ASSIGN_OR_RETURN(std::unique_ptr<CpuOp> post,
                         create_activation_op(activation_params(activation), data, data,
                                              static_cast<size_t>(y.shape.numel()), context, &y));
  std::unique_ptr<CpuOp> sequence(new (std::nothrow) SequenceOp(std::move(op), std::move(post)));
  if (!sequence) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return sequence;
}

bool own_op_supported(const OpSignature& op) {
  if (op.op && op.num_inputs >= 1 && op.num_outputs >= 1 && is_int8_op(op))
    return int8_own_op_supported(op);
  // These check their own dtypes (weights, indices and positions are not F32).
  if (op.op) {
    switch (op.op->type()) {
      case fb::OpType::Gather:
        return gather_supported(op);
      case fb::OpType::RmsNorm:
      case fb::OpType::LayerNorm:
        return normalization_supported(op);
      case fb::OpType::Rope:
        return rope_supported(op);
      case fb::OpType::Attention:
        return attention_supported(op);
      default:
        break;
    }
  }
  if (!op.op || op.num_inputs < 1 || op.num_outputs < 1 || !all_f32_activations(op)) return false;
  switch (op.op->type()) {
    case fb::OpType::Conv2D:
      return is_depthwise(op) ? depthwise_conv2d_supported(op) : conv2d_supported(op);
    case fb::OpType::FullyConnected:
      return fully_connected_supported(op) || quantized_fully_connected_supported(op);
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
      return binary_supported(op);
    case fb::OpType::Activation:
    case fb::OpType::GlobalAveragePool:
    case fb::OpType::Reshape:
      return true;
    case fb::OpType::MaxPool2D:
    case fb::OpType::AveragePool2D:
      return pool2d_supported(op);
    case fb::OpType::Softmax:
      return softmax_supported(op);
    case fb::OpType::Concat:
      return concat_supported(op);
    case fb::OpType::Transpose:
      return transpose_supported(op);
    default:
      return false;
  }
}

bool own_op_preferred(const OpSignature& op, const CpuOpContext& context) {
  if (!op.op || op.op->type() != fb::OpType::Conv2D || !own_op_supported(op)) return false;
  if (is_int8_op(op)) {
    // Measured against XNNPACK's qc8 convolution (sprig bench --profile, ResNet-18 and MobileNetV2
    // int8, 1 thread): the exact Winograd is about twice as fast on ResNet's 3x3 stride-1 layers,
    // and the gathered GEMM on the 7x7 first layer (2.2 against 4.4 ms), but not on MobileNetV2's
    // 3x3 first layer (0.56 against 0.47 ms) or its depthwise layers (1.11 against 0.99 ms in
    // all). With AVX512-VNNI's dot-product GEMM ours also wins on the other convolutions
    // (MobileNetV2's pointwise layers 2.70 against 4.63 ms); with AVX2 alone it does not.
    const bool simd = context.features.avx2_fma;
    const ConvGeometry g = conv_geometry(op);
    if (int8_winograd_conv_supported(op)) return simd;
    if (int8_gemm_conv_gathers_taps(op)) return simd && g.kernel_h * g.kernel_w > 9;
    return simd && context.features.avx512_vnni && !is_depthwise(op);
  }
  return !is_depthwise(op) && conv2d_prefers_own(op, context);
}

Result<std::unique_ptr<CpuOp>> create_own_op(const OpSignature& op, const CpuOpContext& context) {
  if (!own_op_supported(op))
    return Status::error(Code::kUnsupported, "cpu: no own kernel for %s", op_display_name(*op.op));
  if (is_int8_op(op)) return create_int8_own_op(op, context);
  switch (op.op->type()) {
    case fb::OpType::Conv2D:
      return is_depthwise(op) ? with_fused_activation(op, context, create_depthwise_conv2d_op)
                              : with_fused_activation(op, context, create_conv2d_op);
    case fb::OpType::FullyConnected:
      return quantized_fully_connected_supported(op)
                 ? with_fused_activation(op, context, create_quantized_fully_connected_op)
                 : with_fused_activation(op, context, create_fully_connected_op);
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
      return create_binary_op(op, context);
    case fb::OpType::Activation: {
      const TensorView& y = *op.outputs[0];
      return create_activation_op(
          activation_params(op.op->options_as_ActivationOptions()->activation()),
          op.inputs[0]->as<const float>(), y.as<float>(), static_cast<size_t>(y.shape.numel()),
          context, &y);
    }
    case fb::OpType::MaxPool2D:
    case fb::OpType::AveragePool2D:
      return create_pool2d_op(op, context);
    case fb::OpType::GlobalAveragePool:
      return create_global_average_pool_op(op, context);
    case fb::OpType::Softmax:
      return create_softmax_op(op, context);
    case fb::OpType::Reshape:
      return create_reshape_op(op, context);
    case fb::OpType::Concat:
      return create_concat_op(op, context);
    case fb::OpType::Transpose:
      return create_transpose_op(op, context);
    case fb::OpType::Gather:
      return create_gather_op(op, context);
    case fb::OpType::RmsNorm:
    case fb::OpType::LayerNorm:
      return create_normalization_op(op, context);
    case fb::OpType::Rope:
      return create_rope_op(op, context);
    case fb::OpType::Attention:
      return create_attention_op(op, context);
    default:
      return Status::error(Code::kUnsupported, "cpu: no own kernel for %s",
                           op_display_name(*op.op));
  }
}

}  // namespace sprig::cpu
