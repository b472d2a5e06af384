#include "runtime/ops/int8_op_check.h"

#include <cmath>

#include "runtime/core/int8_arith.h"
#include "runtime/core/quantization.h"

namespace sprig {
namespace {

using fb::OpType;

constexpr const char* kInt8Ops =
    "Conv2D, FullyConnected, Add, MaxPool2D, GlobalAveragePool, Reshape, Dequantize";

bool valid_scale(float scale) { return std::isfinite(scale) && scale > 0.0f; }

// An I8 activation with one finite positive scale and a zero point in [-128, 127].
Status check_activation(const TensorView& t, const char* what) {
  if (t.dtype != DType::I8)
    return Status::error(Code::kInvalidModel, "%s dtype %s is not I8", what, dtype_name(t.dtype));
  const fb::Quantization* q = t.quantization;
  if (q == nullptr || q->group_size() != 0 || q->axis() != -1 || t.scales != nullptr)
    return Status::error(Code::kInvalidModel, "%s is I8 without a per-tensor scale and zero point", what);
  const int64_t zero_point = quantization_zero_point(t, 0);
  if (!valid_scale(quantization_scale(t, 0)) || zero_point < -128 || zero_point > 127)
    return Status::error(Code::kInvalidModel, "%s has a scale that is not finite and positive or a zero point outside "
                   "[-128, 127]",
                   what);
  return Status::ok_status();
}

Status check_f32(const TensorView& t, const char* what) {
  if (t.dtype == DType::F32) return Status::ok_status();
  return Status::error(Code::kUnsupported, "%s dtype %s is not supported (F32)", what,
                       dtype_name(t.dtype));
}

bool same_params(const TensorView& a, const TensorView& b) {
  const Int8Params pa = int8_params(a), pb = int8_params(b);
  return pa.scale == pb.scale && pa.zero_point == pb.zero_point;
}

// I8 weights with one scale per output channel (axis 0) and zero points 0; I32 bias or none.
Status check_weights(const OpSignature& op) {
  const TensorView& w = *op.inputs[1];
  if (w.dtype != DType::I8)
    return Status::error(Code::kUnsupported,
                         "input 1 (weights) dtype %s is not supported with an I8 input (I8)",
                         dtype_name(w.dtype));
  const fb::Quantization* q = w.quantization;
  if (q == nullptr || q->axis() != 0 || q->group_size() != 0)
    return Status(Code::kInvalidModel, "input 1 (weights) is I8 without one scale per output channel (axis 0)");
  for (int64_t c = 0; c < w.shape[0]; ++c) {
    if (!valid_scale(quantization_scale(w, c)))
      return Status(Code::kInvalidModel, "input 1 (weights) has a scale that is not finite and positive");
    if (quantization_zero_point(w, c) != 0)
      return Status(Code::kInvalidModel, "input 1 (weights) has a zero point other than 0");
  }
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  if (bias != nullptr && bias->dtype != DType::I32)
    return Status::error(Code::kUnsupported,
                         "input 2 (bias) dtype %s is not supported with an I8 input (I32)",
                         dtype_name(bias->dtype));
  return Status::ok_status();
}

Status check_fused(const fb::Activation* activation, const TensorView& y) {
  Int8Range range;
  if (int8_activation_range(activation, int8_params(y), &range)) return Status::ok_status();
  return Status::error(Code::kUnsupported,
                       "fused activation %s has no int8 form (Relu and Clip do)",
                       fb::EnumNameActivationKind(activation->kind()));
}

const fb::Activation* fused_activation(const fb::Op& op) {
  switch (op.type()) {
    case OpType::Conv2D:
      return op.options_as_Conv2DOptions()->fused();
    case OpType::FullyConnected:
      return op.options_as_FullyConnectedOptions()->fused();
    case OpType::Add:
      return op.options_as_BinaryOptions()->fused();
    default:
      return nullptr;
  }
}

}  // namespace

bool is_int8_op(const OpSignature& op) {
  const OpType type = op.op->type();
  // A Gather's input 0 is its table, which may be a weight-only quantized I8 constant.
  return type == OpType::Quantize || type == OpType::Dequantize ||
         (type != OpType::Gather && op.num_inputs > 0 && op.inputs[0] != nullptr &&
          op.inputs[0]->dtype == DType::I8);
}

Status check_int8_dtypes(const OpSignature& op) {
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  const OpType type = op.op->type();
  if (type == OpType::Quantize) {
    SPRIG_RETURN_IF_ERROR(check_f32(x, "input 0"));
    return check_activation(y, "output 0");
  }
  SPRIG_RETURN_IF_ERROR(check_activation(x, "input 0"));
  switch (type) {
    case OpType::Dequantize:
      return check_f32(y, "output 0");
    case OpType::Conv2D:
    case OpType::FullyConnected:
      SPRIG_RETURN_IF_ERROR(check_weights(op));
      break;
    case OpType::Add:
      SPRIG_RETURN_IF_ERROR(check_activation(*op.inputs[1], "input 1 (b)"));
      break;
    case OpType::MaxPool2D:
    case OpType::Reshape:
      SPRIG_RETURN_IF_ERROR(check_activation(y, "output 0"));
      if (!same_params(x, y))
        return Status(Code::kInvalidModel, "output 0 scale and zero point differ from input 0's");
      return Status::ok_status();
    case OpType::GlobalAveragePool:
      break;
    default:
      return Status::error(Code::kUnsupported, "input 0 dtype I8 is not supported (ops that take "
                           "int8: %s)", kInt8Ops);
  }
  SPRIG_RETURN_IF_ERROR(check_activation(y, "output 0"));
  const fb::Activation* activation = fused_activation(*op.op);
  return activation != nullptr ? check_fused(activation, y) : Status::ok_status();
}

}  // namespace sprig
