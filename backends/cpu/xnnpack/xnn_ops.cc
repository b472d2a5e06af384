#include "backends/cpu/xnnpack/xnn_ops.h"

#include <xnnpack.h>

#include <cstring>
#include <limits>
#include <new>
#include <vector>

#include "backends/cpu/ops/fused_activation.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/own_ops.h"
#include "backends/cpu/xnnpack/xnn_int8_ops.h"
#include "backends/cpu/xnnpack/xnn_operator.h"
#include "backends/cpu/xnnpack/xnn_status.h"
#include "runtime/ops/int8_op_check.h"

namespace sprig::cpu {
namespace {

Status initialize_xnnpack() {
  static const xnn_status status = xnn_initialize(nullptr);
  return from_xnn(status, "initialize");
}

// An F32 copy of a weight stored as F16 or BF16 (or the F32 data itself), alive during creation:
// XNNPACK packs weights into its own memory.
class F32Weights {
 public:
  Status load(const TensorView* view) {
    if (!view) return Status::ok_status();
    if (!view->data) return Status(Code::kInvalidArgument, "cpu: a weight has no data");
    if (view->dtype == DType::F32) {
      data_ = view->as<const float>();
      return Status::ok_status();
    }
    const size_t n = static_cast<size_t>(view->shape.numel());
    copy_.reset(new (std::nothrow) float[n > 0 ? n : 1]);
    if (!copy_) return Status(Code::kOutOfMemory, "cpu: no memory to convert a weight to F32");
    const uint16_t* bits = view->as<const uint16_t>();
    for (size_t i = 0; i < n; ++i)
      copy_[i] = view->dtype == DType::F16 ? f16_to_f32(bits[i]) : bf16_to_f32(bits[i]);
    data_ = copy_.get();
    return Status::ok_status();
  }
  const float* data() const { return data_; }

 private:
  std::unique_ptr<float[]> copy_;
  const float* data_ = nullptr;
};

bool is_f32(const TensorView* view) { return view && view->dtype == DType::F32; }
bool is_float_weight(const TensorView* view) { return view && weight_dtype_ok(view->dtype); }
// The bias input even without data (XNNPACK needs it constant: F32Weights refuses it then).
const TensorView* bias_input(const OpSignature& op) {
  return op.num_inputs > 2 ? op.inputs[2] : nullptr;
}
size_t dim(const TensorView& view, int d) { return static_cast<size_t>(view.shape.dims[d]); }

// Extra bottom/right padding that makes XNNPACK's floor-mode output size equal the op's output
// size (ceil-mode pooling); -1 when no padding can.
int extra_pad(int64_t input, int pad_begin, int pad_end, int window, int stride, int64_t output) {
  const int64_t floor_out = (input + pad_begin + pad_end - window) / stride + 1;
  if (floor_out == output) return 0;
  if (floor_out > output) return -1;
  return static_cast<int>((output - 1) * stride + window - (input + pad_begin + pad_end));
}

bool conv_supported(const OpSignature& op) {
  const auto* options = op.op->options_as_Conv2DOptions();
  return options && is_float_weight(op.inputs[1]) &&
         (!bias_input(op) || is_float_weight(bias_input(op)));
}

bool pool_supported(const OpSignature& op) {
  const auto* o = op.op->options_as_Pool2DOptions();
  if (!o || o->kernel_h() * o->kernel_w() < 2) return false;
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  const int extra_h = extra_pad(x.shape.dims[1], o->pad_top(), o->pad_bottom(),
                                (o->kernel_h() - 1) * o->dilation_h() + 1, o->stride_h(), y.shape.dims[1]);
  const int extra_w = extra_pad(x.shape.dims[2], o->pad_left(), o->pad_right(),
                                (o->kernel_w() - 1) * o->dilation_w() + 1, o->stride_w(), y.shape.dims[2]);
  if (extra_h < 0 || extra_w < 0) return false;
  // Every window must start inside the input (XNNPACK has no empty windows).
  if ((y.shape.dims[1] - 1) * o->stride_h() - o->pad_top() >= x.shape.dims[1] ||
      (y.shape.dims[2] - 1) * o->stride_w() - o->pad_left() >= x.shape.dims[2])
    return false;
  if (op.op->type() == fb::OpType::MaxPool2D) return true;
  const bool padded = o->pad_top() || o->pad_left() || o->pad_bottom() || o->pad_right() ||
                      extra_h || extra_w;
  return o->dilation_h() == 1 && o->dilation_w() == 1 && (!padded || !o->count_include_pad());
}

bool activation_supported(fb::ActivationKind kind) {
  switch (kind) {
    case fb::ActivationKind::Relu:
    case fb::ActivationKind::Clip:
    case fb::ActivationKind::LeakyRelu:
    case fb::ActivationKind::Sigmoid:
    case fb::ActivationKind::HardSwish:
      return true;
    default:
      return false;
  }
}

using XnnOpPtr = std::unique_ptr<XnnOp>;

Result<XnnOpPtr> new_op() {
  XnnOpPtr op(new (std::nothrow) XnnOp());
  if (!op) return Status(Code::kOutOfMemory, "cpu: no memory for an operator");
  return op;
}

Result<XnnOpPtr> create_conv(const OpSignature& op, const OutputClamp& clamp,
                             const CpuOpContext& context) {
  const auto* o = op.op->options_as_Conv2DOptions();
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  F32Weights weights, bias;
  SPRIG_RETURN_IF_ERROR(weights.load(&w));
  SPRIG_RETURN_IF_ERROR(bias.load(bias_input(op)));
  const uint32_t groups = static_cast<uint32_t>(o->groups());
  const size_t channels = dim(x, 3), outputs = dim(y, 3);
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_create_convolution2d_nhwc_f32(
          o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(), dim(w, 1), dim(w, 2),
          o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(), groups,
          channels / groups, outputs / groups, channels, outputs, weights.data(), bias.data(),
          clamp.min, clamp.max, 0, result->handle()),
      "convolution"));
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_setup_convolution2d_nhwc_f32(*result->handle(), dim(x, 0), dim(x, 1), dim(x, 2),
                                       x.as<const float>(), y.as<float>(), context.pool),
      "convolution setup"));
  return result;
}

Result<XnnOpPtr> create_fully_connected(const OpSignature& op, const OutputClamp& clamp,
                                        const CpuOpContext& context) {
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  F32Weights weights, bias;
  SPRIG_RETURN_IF_ERROR(weights.load(&w));
  SPRIG_RETURN_IF_ERROR(bias.load(bias_input(op)));
  const size_t n = dim(w, 0), k = dim(w, 1);
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_create_fully_connected_nc_f32(k, n, k, n, weights.data(), bias.data(), clamp.min,
                                        clamp.max, 0, result->handle()),
      "fully connected"));
  const size_t batch = static_cast<size_t>(x.shape.numel()) / k;
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_setup_fully_connected_nc_f32(*result->handle(), batch, x.as<const float>(),
                                       y.as<float>(), context.pool),
      "fully connected setup"));
  return result;
}

Result<XnnOpPtr> create_binary(const OpSignature& op, const OutputClamp& clamp,
                               const CpuOpContext& context) {
  const TensorView& a = *op.inputs[0];
  const TensorView& b = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  xnn_operator_t* handle = result->handle();
  xnn_status status = xnn_status_invalid_parameter;
  switch (op.op->type()) {
    case fb::OpType::Add: status = xnn_create_add_nd_f32(clamp.min, clamp.max, 0, handle); break;
    case fb::OpType::Sub: status = xnn_create_subtract_nd_f32(clamp.min, clamp.max, 0, handle); break;
    case fb::OpType::Mul: status = xnn_create_multiply_nd_f32(clamp.min, clamp.max, 0, handle); break;
    case fb::OpType::Div: status = xnn_create_divide_nd_f32(clamp.min, clamp.max, 0, handle); break;
    default: break;
  }
  SPRIG_RETURN_IF_ERROR(from_xnn(status, "binary operator"));
  size_t a_shape[XNN_MAX_TENSOR_DIMS], b_shape[XNN_MAX_TENSOR_DIMS];
  for (int d = 0; d < a.shape.rank; ++d) a_shape[d] = dim(a, d);
  for (int d = 0; d < b.shape.rank; ++d) b_shape[d] = dim(b, d);
  const float* a_data = a.as<const float>();
  const float* b_data = b.as<const float>();
  float* y_data = y.as<float>();
  switch (op.op->type()) {
    case fb::OpType::Add:
      status = xnn_setup_add_nd_f32(*handle, a.shape.rank, a_shape, b.shape.rank, b_shape, a_data,
                                    b_data, y_data, context.pool);
      break;
    case fb::OpType::Sub:
      status = xnn_setup_subtract_nd_f32(*handle, a.shape.rank, a_shape, b.shape.rank, b_shape,
                                         a_data, b_data, y_data, context.pool);
      break;
    case fb::OpType::Mul:
      status = xnn_setup_multiply_nd_f32(*handle, a.shape.rank, a_shape, b.shape.rank, b_shape,
                                         a_data, b_data, y_data, context.pool);
      break;
    default:
      status = xnn_setup_divide_nd_f32(*handle, a.shape.rank, a_shape, b.shape.rank, b_shape,
                                       a_data, b_data, y_data, context.pool);
      break;
  }
  SPRIG_RETURN_IF_ERROR(from_xnn(status, "binary setup"));
  return result;
}

Result<XnnOpPtr> create_activation(const OpSignature& op, const CpuOpContext& context) {
  const ActivationParams activation =
      activation_params(op.op->options_as_ActivationOptions()->activation());
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  const size_t channels = x.shape.rank > 0 ? dim(x, x.shape.rank - 1) : 1;
  const size_t batch = channels ? static_cast<size_t>(x.shape.numel()) / channels : 0;
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  xnn_operator_t* handle = result->handle();
  const float* in = x.as<const float>();
  float* out = y.as<float>();
  xnn_status status;
  switch (activation.kind) {
    case fb::ActivationKind::Relu:
    case fb::ActivationKind::Clip: {
      OutputClamp clamp;
      activation_as_clamp(op.op->options_as_ActivationOptions()->activation(), &clamp);
      status = xnn_create_clamp_nc_f32(channels, channels, channels, clamp.min, clamp.max, 0, handle);
      if (status == xnn_status_success)
        status = xnn_setup_clamp_nc_f32(*handle, batch, in, out, context.pool);
      break;
    }
    case fb::ActivationKind::LeakyRelu:
      status = xnn_create_leaky_relu_nc_f32(channels, channels, channels, activation.alpha, 0, handle);
      if (status == xnn_status_success)
        status = xnn_setup_leaky_relu_nc_f32(*handle, batch, in, out, context.pool);
      break;
    case fb::ActivationKind::Sigmoid:
      status = xnn_create_sigmoid_nc_f32(channels, channels, channels, 0, handle);
      if (status == xnn_status_success)
        status = xnn_setup_sigmoid_nc_f32(*handle, batch, in, out, context.pool);
      break;
    case fb::ActivationKind::HardSwish:
      status = xnn_create_hardswish_nc_f32(channels, channels, channels, 0, handle);
      if (status == xnn_status_success)
        status = xnn_setup_hardswish_nc_f32(*handle, batch, in, out, context.pool);
      break;
    default:
      return Status(Code::kUnsupported, "XNNPACK has no such activation");
  }
  SPRIG_RETURN_IF_ERROR(from_xnn(status, "activation"));
  return result;
}

Result<XnnOpPtr> create_pool(const OpSignature& op, const CpuOpContext& context) {
  const auto* o = op.op->options_as_Pool2DOptions();
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  const int extra_h = extra_pad(x.shape.dims[1], o->pad_top(), o->pad_bottom(),
                                (o->kernel_h() - 1) * o->dilation_h() + 1, o->stride_h(), y.shape.dims[1]);
  const int extra_w = extra_pad(x.shape.dims[2], o->pad_left(), o->pad_right(),
                                (o->kernel_w() - 1) * o->dilation_w() + 1, o->stride_w(), y.shape.dims[2]);
  const size_t channels = dim(x, 3);
  const float inf = std::numeric_limits<float>::infinity();
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  xnn_operator_t* handle = result->handle();
  xnn_status status;
  if (op.op->type() == fb::OpType::MaxPool2D) {
    status = xnn_create_max_pooling2d_nhwc_f32(
        o->pad_top(), o->pad_right() + extra_w, o->pad_bottom() + extra_h, o->pad_left(),
        o->kernel_h(), o->kernel_w(), o->stride_h(), o->stride_w(), o->dilation_h(),
        o->dilation_w(), channels, channels, channels, -inf, inf, 0, handle);
    if (status == xnn_status_success)
      status = xnn_setup_max_pooling2d_nhwc_f32(*handle, dim(x, 0), dim(x, 1), dim(x, 2),
                                                x.as<const float>(), y.as<float>(), context.pool);
  } else {
    status = xnn_create_average_pooling2d_nhwc_f32(
        o->pad_top(), o->pad_right() + extra_w, o->pad_bottom() + extra_h, o->pad_left(),
        o->kernel_h(), o->kernel_w(), o->stride_h(), o->stride_w(), channels, channels, channels,
        -inf, inf, 0, handle);
    if (status == xnn_status_success)
      status = xnn_setup_average_pooling2d_nhwc_f32(*handle, dim(x, 0), dim(x, 1), dim(x, 2),
                                                    x.as<const float>(), y.as<float>(),
                                                    context.pool);
  }
  SPRIG_RETURN_IF_ERROR(from_xnn(status, "pooling"));
  return result;
}

Result<XnnOpPtr> create_global_average_pool(const OpSignature& op, const CpuOpContext& context) {
  const TensorView& x = *op.inputs[0];
  const size_t channels = dim(x, 3);
  const float inf = std::numeric_limits<float>::infinity();
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_create_global_average_pooling_nwc_f32(channels, channels, channels, -inf, inf, 0,
                                                result->handle()),
      "global average pooling"));
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_setup_global_average_pooling_nwc_f32(*result->handle(), dim(x, 0), dim(x, 1) * dim(x, 2),
                                               x.as<const float>(),
                                               op.outputs[0]->as<float>(), context.pool),
      "global average pooling setup"));
  return result;
}

Result<XnnOpPtr> create_softmax(const OpSignature& op, const CpuOpContext& context) {
  const TensorView& x = *op.inputs[0];
  const size_t channels = dim(x, x.shape.rank - 1);
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr result, new_op());
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_create_softmax_nc_f32(channels, channels, channels, 0, result->handle()), "softmax"));
  SPRIG_RETURN_IF_ERROR(from_xnn(
      xnn_setup_softmax_nc_f32(*result->handle(), static_cast<size_t>(x.shape.numel()) / channels,
                               x.as<const float>(), op.outputs[0]->as<float>(), context.pool),
      "softmax setup"));
  return result;
}

Result<XnnOpPtr> create_operator(const OpSignature& op, const OutputClamp& clamp,
                                 const CpuOpContext& context) {
  switch (op.op->type()) {
    case fb::OpType::Conv2D: return create_conv(op, clamp, context);
    case fb::OpType::FullyConnected: return create_fully_connected(op, clamp, context);
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div: return create_binary(op, clamp, context);
    case fb::OpType::Activation: return create_activation(op, context);
    case fb::OpType::MaxPool2D:
    case fb::OpType::AveragePool2D: return create_pool(op, context);
    case fb::OpType::GlobalAveragePool: return create_global_average_pool(op, context);
    case fb::OpType::Softmax: return create_softmax(op, context);
    default: return Status(Code::kUnsupported, "XNNPACK does not run this op");
  }
}

}  // namespace

bool xnn_op_supported(const OpSignature& op) {
  if (op.op && op.num_inputs >= 1 && op.num_outputs == 1 && is_int8_op(op))
    return initialize_xnnpack().ok() && xnn_int8_op_supported(op);
  if (!op.op || op.num_inputs < 1 || op.num_outputs != 1 || !is_f32(op.inputs[0]) ||
      !is_f32(op.outputs[0]))
    return false;
  if (!initialize_xnnpack().ok()) return false;
  switch (op.op->type()) {
    case fb::OpType::Conv2D:
      return op.num_inputs >= 2 && conv_supported(op);
    case fb::OpType::FullyConnected:
      return op.num_inputs >= 2 && is_float_weight(op.inputs[1]) &&
             (!bias_input(op) || is_float_weight(bias_input(op)));
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
      return op.num_inputs == 2 && is_f32(op.inputs[1]) &&
             op.inputs[0]->shape.rank <= XNN_MAX_TENSOR_DIMS &&
             op.inputs[1]->shape.rank <= XNN_MAX_TENSOR_DIMS && op.inputs[0]->shape.rank > 0 &&
             op.inputs[1]->shape.rank > 0;
    case fb::OpType::Activation:
      return activation_supported(
          activation_params(op.op->options_as_ActivationOptions()->activation()).kind);
    case fb::OpType::MaxPool2D:
    case fb::OpType::AveragePool2D:
      return pool_supported(op);
    case fb::OpType::GlobalAveragePool:
      return true;
    case fb::OpType::Softmax:
      return op.op->options_as_SoftmaxOptions() &&
             op.op->options_as_SoftmaxOptions()->axis() == op.inputs[0]->shape.rank - 1;
    default:
      return false;
  }
}

Result<std::unique_ptr<CpuOp>> create_xnn_op(const OpSignature& op, const CpuOpContext& context) {
  if (!xnn_op_supported(op))
    return Status::error(Code::kUnsupported, "XNNPACK does not run %s", op_display_name(*op.op));
  SPRIG_RETURN_IF_ERROR(initialize_xnnpack());
  if (is_int8_op(op)) return create_xnn_int8_op(op, context);
  const fb::Activation* fused = fused_activation(*op.op);
  OutputClamp clamp;
  const bool clamp_only = activation_as_clamp(fused, &clamp);
  if (!clamp_only) clamp = OutputClamp();
  SPRIG_ASSIGN_OR_RETURN(XnnOpPtr created, create_operator(op, clamp, context));
  std::unique_ptr<CpuOp> result(created.release());
  if (clamp_only) return result;
  return append_activation(std::move(result), fused, *op.outputs[0], context);
}

}  // namespace sprig::cpu
