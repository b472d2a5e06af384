// The CPU backend's own int8 ops (runtime/core/int8_arith.h): Quantize, Dequantize, Add of equal
// shapes, MaxPool2D, GlobalAveragePool and a direct Conv2D / FullyConnected, each computing element
// by element what the reference kernels compute, split over the thread pool.
#include <algorithm>
#include <new>
#include <vector>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/int8/int8_elementwise.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/int8_arith.h"
#include "runtime/core/quantization.h"
#include "runtime/core/thread_pool.h"
#include "runtime/ops/int8_op_check.h"

namespace sprig::cpu {
namespace {

Int8Range fused_range(const fb::Activation* fused, Int8Params y) {
  Int8Range range;
  (void)int8_activation_range(fused, y, &range);
  return range;
}

// Quantize, Dequantize and Add: one element at a time, in tiles.
class Int8StreamOp final : public CpuOp {
 public:
  Int8StreamOp(const OpSignature& op, const CpuOpContext& context)
      : type_(op.op->type()), kernels_(select_int8_elementwise_kernels(context.features)) {
    const TensorView& x = *op.inputs[0];
    const TensorView& y = *op.outputs[0];
    x_ = x.data;
    y_ = y.data;
    count_ = static_cast<size_t>(y.shape.numel());
    if (type_ == fb::OpType::Quantize) {
      out_ = int8_params(y);
      inverse_scale_ = int8_inverse_scale(out_.scale);
    } else if (type_ == fb::OpType::Dequantize) {
      a_ = int8_params(x);
    } else {
      a_ = int8_params(x);
      const Int8Params b = int8_params(*op.inputs[1]);
      out_ = int8_params(y);
      b_data_ = op.inputs[1]->data;
      add_.a_zero_point = a_.zero_point;
      add_.b_zero_point = b.zero_point;
      add_.y_zero_point = out_.zero_point;
      add_.a_multiplier = int8_add_multiplier(a_.scale, out_.scale);
      add_.b_multiplier = int8_add_multiplier(b.scale, out_.scale);
      add_.range = fused_range(op.op->options_as_BinaryOptions()->fused(), out_);
    }
  }

  void run(void*, pthreadpool_t pool) override {
    if (count_ == 0) return;
    pthreadpool_parallelize_1d_tile_1d(pool_for(pool, count_), &Int8StreamOp::tile, this, count_,
                                       kStreamTile, kParallelFlags);
  }

 private:
  static void tile(void* context, size_t start, size_t count) {
    const auto* self = static_cast<const Int8StreamOp*>(context);
    switch (self->type_) {
      case fb::OpType::Quantize:
        self->kernels_.quantize(static_cast<const float*>(self->x_) + start,
                                static_cast<int8_t*>(self->y_) + start, count,
                                self->inverse_scale_, self->out_.zero_point);
        break;
      case fb::OpType::Dequantize:
        self->kernels_.dequantize(static_cast<const int8_t*>(self->x_) + start,
                                  static_cast<float*>(self->y_) + start, count, self->a_.scale,
                                  self->a_.zero_point);
        break;
      default:
        self->kernels_.add(static_cast<const int8_t*>(self->x_) + start,
                           static_cast<const int8_t*>(self->b_data_) + start,
                           static_cast<int8_t*>(self->y_) + start, count, self->add_);
        break;
    }
  }

  fb::OpType type_;
  Int8ElementwiseKernels kernels_;
  const void* x_ = nullptr;
  const void* b_data_ = nullptr;
  void* y_ = nullptr;
  size_t count_ = 0;
  Int8Params a_, out_;
  float inverse_scale_ = 1;
  Int8AddParams add_;
};

class Int8GlobalAveragePoolOp final : public CpuOp {
 public:
  Int8GlobalAveragePoolOp(const TensorView& x, const TensorView& y)
      : x_(x.as<const int8_t>()),
        y_(y.as<int8_t>()),
        batch_(static_cast<size_t>(x.shape[0])),
        pixels_(static_cast<size_t>(x.shape[1] * x.shape[2])),
        channels_(static_cast<size_t>(x.shape[3])),
        x_zero_(int8_params(x).zero_point),
        y_zero_(int8_params(y).zero_point),
        multiplier_(int8_average_multiplier(int8_params(x).scale, int8_params(y).scale,
                                            static_cast<int64_t>(pixels_))) {}

  size_t scratch_bytes() const override { return channels_ * sizeof(int32_t); }

  void run(void* scratch, pthreadpool_t) override {
    int32_t* sums = static_cast<int32_t*>(scratch);
    for (size_t n = 0; n < batch_; ++n) {
      std::fill(sums, sums + channels_, -x_zero_ * static_cast<int32_t>(pixels_));
      const int8_t* x = x_ + n * pixels_ * channels_;
      for (size_t p = 0; p < pixels_; ++p)
        for (size_t c = 0; c < channels_; ++c) sums[c] += x[p * channels_ + c];
      for (size_t c = 0; c < channels_; ++c)
        y_[n * channels_ + c] = int8_requantize(sums[c], multiplier_, y_zero_, Int8Range());
    }
  }

 private:
  const int8_t* x_;
  int8_t* y_;
  size_t batch_, pixels_, channels_;
  int32_t x_zero_, y_zero_;
  float multiplier_;
};

class Int8MaxPoolOp final : public CpuOp {
 public:
  Int8MaxPoolOp(const TensorView& x, const fb::Pool2DOptions& o, const TensorView& y)
      : x_(x.as<const int8_t>()), y_(y.as<int8_t>()), x_shape_(x.shape), y_shape_(y.shape),
        o_(o) {}

  void run(void*, pthreadpool_t pool) override {
    const size_t rows = static_cast<size_t>(y_shape_[0] * y_shape_[1]);
    pthreadpool_parallelize_1d(pool_for(pool, static_cast<size_t>(y_shape_.numel())),
                               &Int8MaxPoolOp::row, this, rows, kParallelFlags);
  }

 private:
  static void row(void* context, size_t index) {
    const auto* self = static_cast<const Int8MaxPoolOp*>(context);
    const fb::Pool2DOptions& o = self->o_;
    const int64_t in_h = self->x_shape_[1], in_w = self->x_shape_[2], c = self->x_shape_[3];
    const int64_t out_h = self->y_shape_[1], out_w = self->y_shape_[2];
    const int64_t n = static_cast<int64_t>(index) / out_h, oh = static_cast<int64_t>(index) % out_h;
    for (int64_t ow = 0; ow < out_w; ++ow) {
      int8_t* out = self->y_ + ((n * out_h + oh) * out_w + ow) * c;
      std::fill(out, out + c, static_cast<int8_t>(-128));
      for (int64_t kh = 0; kh < o.kernel_h(); ++kh) {
        const int64_t ih = oh * o.stride_h() - o.pad_top() + kh * o.dilation_h();
        if (ih < 0 || ih >= in_h) continue;
        for (int64_t kw = 0; kw < o.kernel_w(); ++kw) {
          const int64_t iw = ow * o.stride_w() - o.pad_left() + kw * o.dilation_w();
          if (iw < 0 || iw >= in_w) continue;
          const int8_t* in = self->x_ + ((n * in_h + ih) * in_w + iw) * c;
          for (int64_t i = 0; i < c; ++i) out[i] = std::max(out[i], in[i]);
        }
      }
    }
  }

  const int8_t* x_;
  int8_t* y_;
  Shape x_shape_, y_shape_;
  const fb::Pool2DOptions& o_;
};

// Direct convolution, one output row per task, for what the GEMM, Winograd and depthwise ops do
// not take (grouped convolutions, more than 64 taps); FullyConnected is a 1x1 convolution over [rows, 1, 1, K].
class Int8ConvOp final : public CpuOp {
 public:
  explicit Int8ConvOp(const OpSignature& op) {
    const TensorView& x = *op.inputs[0];
    const TensorView& w = *op.inputs[1];
    const TensorView& y = *op.outputs[0];
    x_ = x.as<const int8_t>();
    w_ = w.as<const int8_t>();
    y_ = y.as<int8_t>();
    bias_ = op.num_inputs > 2 && op.inputs[2] ? op.inputs[2]->as<const int32_t>() : nullptr;
    const Int8Params xq = int8_params(x), yq = int8_params(y);
    x_zero_ = xq.zero_point;
    y_zero_ = yq.zero_point;
    out_c_ = w.shape[0];
    for (int64_t c = 0; c < out_c_; ++c)
      multipliers_.push_back(int8_conv_multiplier(xq.scale, quantization_scale(w, c), yq.scale));
    if (op.op->type() == fb::OpType::Conv2D) {
      const auto* o = op.op->options_as_Conv2DOptions();
      batch_ = x.shape[0], in_h_ = x.shape[1], in_w_ = x.shape[2], in_c_ = x.shape[3];
      out_h_ = y.shape[1], out_w_ = y.shape[2];
      kernel_h_ = w.shape[1], kernel_w_ = w.shape[2], group_in_c_ = w.shape[3];
      group_out_c_ = out_c_ / o->groups();
      stride_h_ = o->stride_h(), stride_w_ = o->stride_w();
      dilation_h_ = o->dilation_h(), dilation_w_ = o->dilation_w();
      pad_top_ = o->pad_top(), pad_left_ = o->pad_left();
      range_ = fused_range(o->fused(), yq);
    } else {
      in_c_ = group_in_c_ = w.shape[1];
      batch_ = in_c_ ? x.shape.numel() / in_c_ : 0;
      group_out_c_ = out_c_;
      range_ = fused_range(op.op->options_as_FullyConnectedOptions()->fused(), yq);
    }
  }

  bool ok() const { return multipliers_.size() == static_cast<size_t>(out_c_); }

  void run(void*, pthreadpool_t pool) override {
    const size_t rows = static_cast<size_t>(batch_ * out_h_);
    const size_t work = static_cast<size_t>(batch_ * out_h_ * out_w_ * out_c_ * kernel_h_ *
                                            kernel_w_ * group_in_c_);
    pthreadpool_parallelize_1d(pool_for(pool, work / 64), &Int8ConvOp::row, this, rows,
                               kParallelFlags);
  }

 private:
  static void row(void* context, size_t index) {
    const auto* s = static_cast<const Int8ConvOp*>(context);
    const int64_t n = static_cast<int64_t>(index) / s->out_h_;
    const int64_t oh = static_cast<int64_t>(index) % s->out_h_;
    const int64_t h0 = oh * s->stride_h_ - s->pad_top_;
    for (int64_t ow = 0; ow < s->out_w_; ++ow) {
      const int64_t w0 = ow * s->stride_w_ - s->pad_left_;
      int8_t* out = s->y_ + ((n * s->out_h_ + oh) * s->out_w_ + ow) * s->out_c_;
      for (int64_t o = 0; o < s->out_c_; ++o) {
        const int64_t c0 = (o / s->group_out_c_) * s->group_in_c_;
        int32_t acc = s->bias_ ? s->bias_[o] : 0;
        for (int64_t kh = 0; kh < s->kernel_h_; ++kh) {
          const int64_t ih = h0 + kh * s->dilation_h_;
          if (ih < 0 || ih >= s->in_h_) continue;
          for (int64_t kw = 0; kw < s->kernel_w_; ++kw) {
            const int64_t iw = w0 + kw * s->dilation_w_;
            if (iw < 0 || iw >= s->in_w_) continue;
            const int8_t* x = s->x_ + ((n * s->in_h_ + ih) * s->in_w_ + iw) * s->in_c_ + c0;
            const int8_t* w =
                s->w_ + ((o * s->kernel_h_ + kh) * s->kernel_w_ + kw) * s->group_in_c_;
            int32_t dot = 0;
            for (int64_t c = 0; c < s->group_in_c_; ++c)
              dot += (static_cast<int32_t>(x[c]) - s->x_zero_) * w[c];
            acc += dot;
          }
        }
        out[o] = int8_requantize(acc, s->multipliers_[static_cast<size_t>(o)], s->y_zero_,
                                 s->range_);
      }
    }
  }

  const int8_t* x_ = nullptr;
  const int8_t* w_ = nullptr;
  const int32_t* bias_ = nullptr;
  int8_t* y_ = nullptr;
  int32_t x_zero_ = 0, y_zero_ = 0;
  int64_t batch_ = 0, in_h_ = 1, in_w_ = 1, in_c_ = 0, out_h_ = 1, out_w_ = 1, out_c_ = 0;
  int64_t kernel_h_ = 1, kernel_w_ = 1, group_in_c_ = 0, group_out_c_ = 1;
  int64_t stride_h_ = 1, stride_w_ = 1, dilation_h_ = 1, dilation_w_ = 1;
  int64_t pad_top_ = 0, pad_left_ = 0;
  std::vector<float> multipliers_;
  Int8Range range_;
};

bool same_shape(const OpSignature& op) {
  return op.inputs[0]->shape == op.inputs[1]->shape && op.inputs[0]->shape == op.outputs[0]->shape;
}

template <typename OpClass, typename... Args>
Result<std::unique_ptr<CpuOp>> make(Args&&... args) {
  std::unique_ptr<CpuOp> result(new (std::nothrow) OpClass(std::forward<Args>(args)...));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace

bool int8_own_op_supported(const OpSignature& op) {
  if (!is_int8_op(op)) return false;
  switch (op.op->type()) {
    case fb::OpType::Quantize:
    case fb::OpType::Dequantize:
    case fb::OpType::MaxPool2D:
    case fb::OpType::GlobalAveragePool:
    case fb::OpType::Reshape:
      return true;
    case fb::OpType::Add:
      return same_shape(op);
    case fb::OpType::Conv2D:
    case fb::OpType::FullyConnected:
      return op.inputs[1]->data != nullptr &&
             (op.num_inputs < 3 || !op.inputs[2] || op.inputs[2]->data != nullptr);
    default:
      return false;
  }
}

Result<std::unique_ptr<CpuOp>> create_int8_own_op(const OpSignature& op,
                                                  const CpuOpContext& context) {
  if (!int8_own_op_supported(op))
    return Status::error(Code::kUnsupported, "cpu: no own int8 kernel for %s",
                         op_display_name(*op.op));
  switch (op.op->type()) {
    case fb::OpType::Quantize:
    case fb::OpType::Dequantize:
    case fb::OpType::Add:
      return make<Int8StreamOp>(op, context);
    case fb::OpType::MaxPool2D:
      return make<Int8MaxPoolOp>(*op.inputs[0], *op.op->options_as_Pool2DOptions(),
                                 *op.outputs[0]);
    case fb::OpType::GlobalAveragePool:
      return make<Int8GlobalAveragePoolOp>(*op.inputs[0], *op.outputs[0]);
    case fb::OpType::Reshape:
      return create_reshape_op(op, context);
    default: {
      if (int8_depthwise_conv_supported(op)) return create_int8_depthwise_conv_op(op, context);
      if (int8_winograd_conv_supported(op))
        return create_int8_winograd_conv_op(op, context, int8_winograd_tile_for(op));
      if (int8_gemm_conv_supported(op)) return create_int8_gemm_conv_op(op, context);
      std::unique_ptr<Int8ConvOp> conv(new (std::nothrow) Int8ConvOp(op));
      if (!conv || !conv->ok()) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
      return std::unique_ptr<CpuOp>(conv.release());
    }
  }
}

}  // namespace sprig::cpu
