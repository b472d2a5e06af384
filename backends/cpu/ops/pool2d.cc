// MaxPool2D / AveragePool2D on our own kernels. The window of every output row and column (which
// taps fall inside the input, and how many inside the padding) is computed at creation; run()
// calls one kernel per output pixel over tiles of (output row, columns).
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/pool/pool.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

// One axis of one output position's window, as in the reference kernel.
struct Window {
  int64_t start = 0;   // input index of the first tap inside the input
  int64_t taps = 0;    // taps inside the input (consecutive in kernel steps)
  int64_t padded = 0;  // taps inside [-pad_begin, size + pad_end)
};

Window window(int64_t out_index, int64_t stride, int64_t pad_begin, int64_t pad_end, int64_t kernel,
              int64_t dilation, int64_t size) {
  Window w;
  const int64_t origin = out_index * stride - pad_begin;
  int64_t first = -1;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t i = origin + k * dilation;
    if (i >= 0 && i < size) {
      if (first < 0) first = k;
      w.taps = k - first + 1;
    }
    if (i < size + pad_end) ++w.padded;
  }
  w.start = first < 0 ? 0 : origin + first * dilation;
  if (first < 0) w.taps = 0;
  return w;
}

class Pool2DOp final : public CpuOp {
 public:
  Status init(const OpSignature& op, const CpuOpContext& context) {
    const TensorView& x = *op.inputs[0];
    const TensorView& y = *op.outputs[0];
    const fb::Pool2DOptions& o = *op.op->options_as_Pool2DOptions();
    if (!x.data || !y.data)
      return Status(Code::kInvalidArgument, "cpu: pooling tensor without data");
    max_ = op.op->type() == fb::OpType::MaxPool2D;
    count_include_pad_ = o.count_include_pad();
    batch_ = static_cast<size_t>(x.shape[0]);
    in_h_ = static_cast<size_t>(x.shape[1]);
    in_w_ = static_cast<size_t>(x.shape[2]);
    channels_ = static_cast<size_t>(x.shape[3]);
    out_h_ = static_cast<size_t>(y.shape[1]);
    out_w_ = static_cast<size_t>(y.shape[2]);
    row_step_ = static_cast<size_t>(o.dilation_h()) * in_w_ * channels_;
    col_step_ = static_cast<size_t>(o.dilation_w()) * channels_;
    x_ = x.as<const float>();
    y_ = y.as<float>();
    kernels_ = f32_pool_kernels(context.features);
    if (!windows_.allocate((out_h_ + out_w_) * sizeof(Window)))
      return Status(Code::kOutOfMemory, "cpu: no memory for pooling");
    Window* rows = windows_.as<Window>();
    for (size_t i = 0; i < out_h_; ++i)
      new (rows + i)
          Window(window(static_cast<int64_t>(i), o.stride_h(), o.pad_top(), o.pad_bottom(),
                        o.kernel_h(), o.dilation_h(), static_cast<int64_t>(in_h_)));
    for (size_t i = 0; i < out_w_; ++i)
      new (rows + out_h_ + i)
          Window(window(static_cast<int64_t>(i), o.stride_w(), o.pad_left(), o.pad_right(),
                        o.kernel_w(), o.dilation_w(), static_cast<int64_t>(in_w_)));
    // Column tiles of about 2K outputs.
    column_tile_ = channels_ ? 2048 / channels_ + 1 : out_w_;
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    const size_t outputs = batch_ * out_h_ * out_w_ * channels_;
    if (outputs == 0) return;
    pthreadpool_parallelize_2d_tile_1d(pool_for(pool, outputs), &Pool2DOp::tile, this,
                                       batch_ * out_h_, out_w_, column_tile_, kParallelFlags);
  }

 private:
  static void tile(void* context, size_t row, size_t ow_begin, size_t ow_count) {
    const auto* self = static_cast<const Pool2DOp*>(context);
    const size_t n = row / self->out_h_, oh = row % self->out_h_;
    const Window* windows = self->windows_.as<const Window>();
    const Window& wh = windows[oh];
    const size_t c = self->channels_;
    const float* in_row =
        self->x_ + (n * self->in_h_ + static_cast<size_t>(wh.start)) * self->in_w_ * c;
    float* out = self->y_ + (row * self->out_w_ + ow_begin) * c;
    for (size_t ow = ow_begin; ow < ow_begin + ow_count; ++ow, out += c) {
      const Window& ww = windows[self->out_h_ + ow];
      const float* in = in_row + static_cast<size_t>(ww.start) * c;
      const size_t rows = static_cast<size_t>(wh.taps), cols = static_cast<size_t>(ww.taps);
      if (self->max_) {
        self->kernels_.maxpool(c, in, rows, cols, self->row_step_, self->col_step_, out);
      } else {
        const int64_t divisor =
            self->count_include_pad_ ? wh.padded * ww.padded : static_cast<int64_t>(rows * cols);
        const float scale = divisor > 0 ? 1.0f / static_cast<float>(divisor) : 0.0f;
        self->kernels_.avgpool(c, in, rows, cols, self->row_step_, self->col_step_, scale, out);
      }
    }
  }

  bool max_ = true, count_include_pad_ = false;
  size_t batch_ = 0, in_h_ = 0, in_w_ = 0, channels_ = 0, out_h_ = 0, out_w_ = 0;
  size_t row_step_ = 0, col_step_ = 0, column_tile_ = 1;
  const float* x_ = nullptr;
  float* y_ = nullptr;
  PoolKernels kernels_{};
  AlignedBuffer windows_;
};

}  // namespace

bool pool2d_supported(const OpSignature& op) {
  if (!op.op || op.num_inputs != 1 || op.num_outputs != 1 || !op.op->options_as_Pool2DOptions())
    return false;
  const TensorView* x = op.inputs[0];
  const TensorView* y = op.outputs[0];
  return x && y && x->shape.rank == 4 && y->shape.rank == 4 && x->dtype == DType::F32 &&
         y->dtype == DType::F32 &&
         (op.op->type() == fb::OpType::MaxPool2D || op.op->type() == fb::OpType::AveragePool2D);
}

Result<std::unique_ptr<CpuOp>> create_pool2d_op(const OpSignature& op,
                                                const CpuOpContext& context) {
  if (!pool2d_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  std::unique_ptr<Pool2DOp> result(new (std::nothrow) Pool2DOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op, context));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
