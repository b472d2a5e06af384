#include "backends/cpu/xnnpack/xnn_int8_ops.h"

#include <xnnpack.h>

#include <new>
#include <vector>

#include "backends/cpu/xnnpack/xnn_operator.h"
#include "runtime/core/int8_arith.h"
#include "runtime/core/quantization.h"
#include "runtime/ops/int8_op_check.h"

namespace sprig::cpu {
namespace {

std::vector<float> weight_scales(const TensorView& w) {
  std::vector<float> scales(static_cast<size_t>(w.shape[0]));
  for (size_t c = 0; c < scales.size(); ++c)
    scales[c] = quantization_scale(w, static_cast<int64_t>(c));
  return scales;
}

// XNNPACK refuses requantization multipliers outside [2^-32, 256).
bool multipliers_in_range(const OpSignature& op) {
  const TensorView& w = *op.inputs[1];
  const float x_scale = int8_params(*op.inputs[0]).scale;
  const float y_scale = int8_params(*op.outputs[0]).scale;
  for (int64_t c = 0; c < w.shape[0]; ++c) {
    const float m = int8_conv_multiplier(x_scale, quantization_scale(w, c), y_scale);
    if (!(m >= 0x1.0p-32f && m < 256.0f)) return false;
  }
  return true;
}

const fb::Activation* fused(const OpSignature& op) {
  return op.op->type() == fb::OpType::Conv2D ? op.op->options_as_Conv2DOptions()->fused()
                                             : op.op->options_as_FullyConnectedOptions()->fused();
}

}  // namespace

bool xnn_int8_op_supported(const OpSignature& op) {
  const fb::OpType type = op.op->type();
  if ((type != fb::OpType::Conv2D && type != fb::OpType::FullyConnected) || !is_int8_op(op) ||
      op.num_inputs < 2 || op.inputs[1]->data == nullptr ||
      (op.num_inputs > 2 && op.inputs[2] != nullptr && op.inputs[2]->data == nullptr))
    return false;
  return multipliers_in_range(op);
}

Result<std::unique_ptr<CpuOp>> create_xnn_int8_op(const OpSignature& op,
                                                  const CpuOpContext& context) {
  if (!xnn_int8_op_supported(op))
    return Status::error(Code::kUnsupported, "XNNPACK does not run this int8 %s",
                         op_display_name(*op.op));
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  const Int8Params xq = int8_params(x), yq = int8_params(y);
  Int8Range range;
  (void)int8_activation_range(fused(op), yq, &range);
  const std::vector<float> scales = weight_scales(w);
  std::unique_ptr<XnnOp> result(new (std::nothrow) XnnOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an operator");
  const int32_t* bias_data = bias ? bias->as<const int32_t>() : nullptr;
  xnn_status status;
  size_t batch, height, width;
  if (op.op->type() == fb::OpType::Conv2D) {
    const auto* o = op.op->options_as_Conv2DOptions();
    const uint32_t groups = static_cast<uint32_t>(o->groups());
    const size_t channels = static_cast<size_t>(x.shape[3]);
    const size_t outputs = static_cast<size_t>(y.shape[3]);
    status = xnn_create_convolution2d_nhwc_qc8(
        o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(),
        static_cast<uint32_t>(w.shape[1]), static_cast<uint32_t>(w.shape[2]), o->stride_h(),
        o->stride_w(), o->dilation_h(), o->dilation_w(), groups, channels / groups,
        outputs / groups, channels, outputs, static_cast<int8_t>(xq.zero_point), xq.scale,
        scales.data(), w.as<const int8_t>(), bias_data, static_cast<int8_t>(yq.zero_point),
        yq.scale, static_cast<int8_t>(range.lo), static_cast<int8_t>(range.hi), 0,
        result->handle());
    batch = static_cast<size_t>(x.shape[0]);
    height = static_cast<size_t>(x.shape[1]);
    width = static_cast<size_t>(x.shape[2]);
  } else {
    const size_t k = static_cast<size_t>(w.shape[1]), n = static_cast<size_t>(w.shape[0]);
    status = xnn_create_convolution2d_nhwc_qc8(
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, k, n, k, n, static_cast<int8_t>(xq.zero_point), xq.scale,
        scales.data(), w.as<const int8_t>(), bias_data, static_cast<int8_t>(yq.zero_point),
        yq.scale, static_cast<int8_t>(range.lo), static_cast<int8_t>(range.hi), 0,
        result->handle());
    batch = k ? static_cast<size_t>(x.shape.numel()) / k : 0;
    height = width = 1;
  }
  SPRIG_RETURN_IF_ERROR(from_xnn(status, "int8 convolution"));
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_setup_convolution2d_nhwc_qc8(*result->handle(), batch, height, width,
                                       x.as<const int8_t>(), y.as<int8_t>(), context.pool),
      "int8 convolution setup"));
  return std::unique_ptr<CpuOp>(result.release());
}

}  // namespace sprig::cpu
