// Depthwise Conv2D (groups == C) on our own kernels: weights packed per channel block at creation,
// an indirection table of input rows (a row of zeros standing in for padding rows), and one
// kernel call per (output row, channel tile).
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/dwconv/dwconv.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

float weight_at(const TensorView& t, size_t i) {
  switch (t.dtype) {
    case DType::F16:
      return f16_to_f32(t.as<const uint16_t>()[i]);
    case DType::BF16:
      return bf16_to_f32(t.as<const uint16_t>()[i]);
    default:
      return t.as<const float>()[i];
  }
}

class DepthwiseConv2DOp final : public CpuOp {
 public:
  Status init(const OpSignature& op, const OutputClamp& clamp, const CpuOpContext& context) {
    const TensorView& x = *op.inputs[0];
    const TensorView& w = *op.inputs[1];
    const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
    const TensorView& y = *op.outputs[0];
    const fb::Conv2DOptions& o = *op.op->options_as_Conv2DOptions();
    if (!x.data || !w.data || !y.data || (bias && !bias->data))
      return Status(Code::kInvalidArgument, "cpu: depthwise Conv2D tensor without data");

    batch_ = static_cast<size_t>(x.shape[0]);
    in_h_ = static_cast<size_t>(x.shape[1]);
    const size_t in_w = static_cast<size_t>(x.shape[2]);
    const size_t in_c = static_cast<size_t>(x.shape[3]);
    out_h_ = static_cast<size_t>(y.shape[1]);
    const size_t out_w = static_cast<size_t>(y.shape[2]);
    out_c_ = static_cast<size_t>(y.shape[3]);
    const int kh = static_cast<int>(w.shape[1]), kw = static_cast<int>(w.shape[2]);
    const int multiplier = static_cast<int>(out_c_ / in_c);
    const bool dilated = o.dilation_h() != 1 || o.dilation_w() != 1;

    const DwConvKernels& kernels = f32_dwconv_kernels(context.features);
    block_ = kernels.block;
    kernel_ = kernels.any;
    if (multiplier != 1) {
      block_ = 1;
      kernel_ = f32_dwconv_multiplier__scalar;
    } else if (!dilated && kh == kw && (kh == 3 || kh == 5) && o.stride_w() <= 2) {
      if (kh == 3) kernel_ = o.stride_w() == 1 ? kernels.k3x3s1 : kernels.k3x3s2;
      if (kh == 5) kernel_ = o.stride_w() == 1 ? kernels.k5x5s1 : kernels.k5x5s2;
    }

    // Packed weights and bias: [block][taps + 1][block_] (see dwconv.h).
    const size_t taps = static_cast<size_t>(kh) * static_cast<size_t>(kw);
    const size_t blocks = (out_c_ + block_ - 1) / block_;
    if (!packed_.allocate(blocks * (taps + 1) * block_ * sizeof(float)))
      return Status(Code::kOutOfMemory, "cpu: no memory for depthwise Conv2D weights");
    float* packed = packed_.as<float>();
    for (size_t b = 0; b < blocks; ++b) {
      float* dst = packed + b * (taps + 1) * block_;
      for (size_t j = 0; j < block_; ++j) {
        const size_t c = b * block_ + j;
        for (size_t t = 0; t < taps; ++t)
          dst[t * block_ + j] = c < out_c_ ? weight_at(w, c * taps + t) : 0.0f;
        dst[taps * block_ + j] = c < out_c_ && bias ? weight_at(*bias, c) : 0.0f;
      }
    }

    // The zero row and the input rows of every (image, output row, kernel row).
    if (!zero_row_.allocate(in_w * in_c * sizeof(float)))
      return Status(Code::kOutOfMemory, "cpu: no memory for depthwise Conv2D");
    float* zeros = zero_row_.as<float>();
    for (size_t i = 0; i < in_w * in_c; ++i) zeros[i] = 0.0f;
    if (!rows_.allocate(batch_ * out_h_ * static_cast<size_t>(kh) * sizeof(const float*)))
      return Status(Code::kOutOfMemory, "cpu: no memory for depthwise Conv2D");
    const float** rows = rows_.as<const float*>();
    const float* in = x.as<const float>();
    for (size_t n = 0; n < batch_; ++n) {
      for (size_t oh = 0; oh < out_h_; ++oh) {
        for (int r = 0; r < kh; ++r) {
          const long ih = static_cast<long>(oh) * o.stride_h() - o.pad_top() +
                          static_cast<long>(r) * o.dilation_h();
          *rows++ = ih >= 0 && ih < static_cast<long>(in_h_)
                        ? in + ((n * in_h_ + static_cast<size_t>(ih)) * in_w) * in_c
                        : zeros;
        }
      }
    }

    args_.output = y.as<float>();
    args_.weights = packed;
    args_.in_w = in_w;
    args_.out_w = out_w;
    args_.in_channels = in_c;
    args_.out_channels = out_c_;
    args_.kernel_h = kh;
    args_.kernel_w = kw;
    args_.stride_w = o.stride_w();
    args_.dilation_w = o.dilation_w();
    args_.pad_left = o.pad_left();
    args_.multiplier = multiplier;
    args_.min = clamp.min;
    args_.max = clamp.max;

    // Channel tiles of about 2K outputs per row, whole blocks.
    size_t tile = round_up(2048 / (out_w ? out_w : 1) + 1, block_);
    if (tile >= out_c_) tile = out_c_;
    channel_tile_ = tile ? tile : 1;
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    const size_t outputs = batch_ * out_h_ * args_.out_w * out_c_;
    if (outputs == 0) return;
    pthreadpool_parallelize_2d_tile_1d(pool_for(pool, outputs * 4), &DepthwiseConv2DOp::tile, this,
                                       batch_ * out_h_, out_c_, channel_tile_, kParallelFlags);
  }

 private:
  static void tile(void* context, size_t row, size_t c_begin, size_t c_count) {
    const auto* self = static_cast<const DepthwiseConv2DOp*>(context);
    DwConvRowArgs args = self->args_;
    args.rows = self->rows_.as<const float*>() + row * static_cast<size_t>(args.kernel_h);
    args.output += row * args.out_w * args.out_channels;
    args.c_begin = c_begin;
    args.c_end = c_begin + c_count;
    self->kernel_(args);
  }

  size_t batch_ = 0, in_h_ = 0, out_h_ = 0, out_c_ = 0;
  size_t block_ = 1, channel_tile_ = 1;
  f32_dwconv_row_fn kernel_ = nullptr;
  DwConvRowArgs args_{};
  AlignedBuffer packed_, zero_row_, rows_;
};

}  // namespace

bool depthwise_conv2d_supported(const OpSignature& op) {
  if (!op.op || op.op->type() != fb::OpType::Conv2D || op.num_inputs < 2 || op.num_outputs < 1)
    return false;
  const auto* o = op.op->options_as_Conv2DOptions();
  const TensorView* x = op.inputs[0];
  const TensorView* w = op.inputs[1];
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  const TensorView* y = op.outputs[0];
  if (!o || !x || !w || !y || x->shape.rank != 4 || w->shape.rank != 4 || y->shape.rank != 4)
    return false;
  const int64_t c = x->shape[3];
  return o->groups() == c && c >= 1 && w->shape[3] == 1 && y->shape[3] % c == 0 &&
         x->dtype == DType::F32 && y->dtype == DType::F32 && weight_dtype_ok(w->dtype) &&
         (!bias || weight_dtype_ok(bias->dtype));
}

Result<std::unique_ptr<CpuOp>> create_depthwise_conv2d_op(const OpSignature& op,
                                                          const OutputClamp& clamp,
                                                          const CpuOpContext& context) {
  if (!depthwise_conv2d_supported(op))
    return Status::error(Code::kUnsupported, "cpu: depthwise %s not supported",
                         op_display_name(*op.op));
  std::unique_ptr<DepthwiseConv2DOp> result(new (std::nothrow) DepthwiseConv2DOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op, clamp, context));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
