// FullyConnected with weight-only quantized weights, read in place from the model file:
//   I8 with one scale per output channel (quantization axis 0, listed scales, zero points 0), or
//   I4 group-wise (group_size dividing K, F16 scale tensor, optional I8 zero point tensor).
// The output rows are split among the threads in tiles; each tile decodes its weight rows once
// per block of four rows of x (kernels/qgemv/qgemv.h). Where the CPU has integer dot-product
// kernels (x86 AVX2) and K (int4: the group) is a multiple of 32, each run first quantizes x per
// block of 32 into the scratch and those kernels run (llama.cpp's Q8_0 activations); otherwise
// the f32 kernels run, the SIMD int4 ones on x rearranged into the scratch (q4_prepare_x).
//
// Unsupported (kUnsupported): any other quantization, activations or outputs other than F32,
// bias other than F32/F16/BF16.
#include <new>
#include <vector>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/lora_branches.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

bool channel_quantized_i8(const TensorView& w) {
  const fb::Quantization* q = w.quantization;
  if (w.dtype != DType::I8 || q == nullptr || q->axis() != 0 || q->group_size() != 0 ||
      q->scale() == nullptr || q->scale()->size() != static_cast<uint32_t>(w.shape[0]))
    return false;
  if (q->zero_point() != nullptr)
    for (int64_t z : *q->zero_point())
      if (z != 0) return false;
  return true;
}

bool group_quantized_i4(const TensorView& w) {
  const fb::Quantization* q = w.quantization;
  return w.dtype == DType::I4 && q != nullptr && q->group_size() > 0 &&
         w.shape[1] % q->group_size() == 0 && w.scales != nullptr &&
         w.scales->dtype == DType::F16 &&
         (w.zero_points == nullptr || w.zero_points->dtype == DType::I8);
}

class QuantizedFullyConnected final : public CpuOp {
 public:
  Status init(const OpSignature& op, const OutputClamp& clamp, const CpuOpContext& context) {
    const TensorView& x = *op.inputs[0];
    const TensorView& w = *op.inputs[1];
    matrix_.n = static_cast<size_t>(w.shape[0]);
    matrix_.k = static_cast<size_t>(w.shape[1]);
    const QGemvKernels kernels = select_qgemv_kernels(context.features);
    const bool blocks_of_32 = matrix_.k % 32 == 0;
    if (w.dtype == DType::I8) {
      matrix_.q8 = w.as<const int8_t>();
      channel_scales_.resize(matrix_.n);
      for (size_t n = 0; n < matrix_.n; ++n)
        channel_scales_[n] = w.quantization->scale()->Get(static_cast<uint32_t>(n));
      matrix_.channel_scales = channel_scales_.data();
      kernel_ = kernels.q8c;
      if (kernels.q8c_q8 != nullptr && blocks_of_32) {
        kernel_ = kernels.q8c_q8;
        x_form_ = XForm::kQ8;
      }
    } else {
      matrix_.q4 = w.as<const uint8_t>();
      matrix_.group = static_cast<size_t>(w.quantization->group_size());
      matrix_.group_scales = w.scales->as<const uint16_t>();
      matrix_.group_zeros = w.zero_points != nullptr ? w.zero_points->as<const int8_t>() : nullptr;
      const bool simd = matrix_.group % 32 == 0;
      kernel_ = simd ? kernels.q4g : q4g_gemv_f32__scalar;
      if (simd && kernels.q4g_needs_prepared_x) x_form_ = XForm::kNibbleOrder;
      if (simd && kernels.q4g_q8 != nullptr) {
        kernel_ = kernels.q4g_q8;
        x_form_ = XForm::kQ8Q4Order;
      }
    }
    const TensorView* b = bias_of(op);
    if (b != nullptr)
      SPRIG_RETURN_IF_ERROR(pack_bias(*b, 1, matrix_.n, matrix_.n, "FullyConnected", &bias_));
    x_ = &x;
    args_.x = x.f32();
    args_.x_stride = matrix_.k;
    args_.rows = static_cast<size_t>(x.shape.numel()) / matrix_.k;  // the most; run() sets it
    args_.bias = b != nullptr ? bias_.as<float>() : nullptr;
    args_.y = op.outputs[0]->f32();
    args_.y_stride = matrix_.n;
    args_.min = clamp.min;
    args_.max = clamp.max;
    lora_.init(matrix_.n, matrix_.k, static_cast<size_t>(x.shape.numel()) / matrix_.k,
               context.features, clamp);
    tile_ = rows_per_tile(matrix_.n, context.num_threads);
    return Status::ok_status();
  }

  size_t scratch_bytes() const override {
    const size_t blocks = args_.rows * (matrix_.k / 32);
    switch (x_form_) {
      case XForm::kNibbleOrder:
        return (args_.rows * matrix_.k + blocks) * sizeof(float);
      case XForm::kQ8:
      case XForm::kQ8Q4Order:
        return 2 * blocks * sizeof(float) + args_.rows * matrix_.k;
      default:
        return 0;
    }
  }

  void run(void* scratch, pthreadpool_t pool) override {
    args_.rows = static_cast<size_t>(x_->shape.numel()) / matrix_.k;
    const size_t work = matrix_.n * matrix_.k * (args_.rows > 0 ? args_.rows : 1);
    pool = work < kSerialWork ? nullptr : pool;
    const size_t blocks = args_.rows * (matrix_.k / 32);
    if (x_form_ == XForm::kNibbleOrder) {
      float* x_nibble_order = static_cast<float*>(scratch);
      float* block_sums = x_nibble_order + args_.rows * matrix_.k;
      q4_prepare_x(args_.x, args_.x_stride, args_.rows, matrix_.k, x_nibble_order, block_sums);
      args_.x_nibble_order = x_nibble_order;
      args_.x_block_sums = block_sums;
    } else if (x_form_ != XForm::kF32) {
      q8_scales_ = static_cast<float*>(scratch);
      q8_sums_ = q8_scales_ + blocks;
      q8_ = reinterpret_cast<int8_t*>(q8_sums_ + blocks);
      args_.x_q8 = q8_;
      args_.x_q8_scales = q8_scales_;
      args_.x_q8_sums = q8_sums_;
      pthreadpool_parallelize_1d_tile_1d(args_.rows > 1 ? pool : nullptr, quantize_task, this,
                                         args_.rows, 1, kParallelFlags);
    }
    pthreadpool_parallelize_1d_tile_1d(pool, task, this, matrix_.n, tile_, kParallelFlags);
    if (!lora_.empty()) lora_.add(args_.x, args_.rows, args_.y, pool);
  }

  Status set_lora(const LoraBranch* branches, int count) override {
    SPRIG_RETURN_IF_ERROR(lora_.set(branches, count));
    args_.min = lora_.kernel_clamp().min;
    args_.max = lora_.kernel_clamp().max;
    return Status::ok_status();
  }

 private:
  // How run() hands x to the kernel.
  enum class XForm { kF32, kNibbleOrder, kQ8, kQ8Q4Order };
  static constexpr size_t kSerialWork = 64 * 1024;  // multiply-adds below which one thread runs

  static void task(void* context, size_t n0, size_t count) {
    const auto* self = static_cast<const QuantizedFullyConnected*>(context);
    self->kernel_(self->matrix_, self->args_, n0, n0 + count);
  }

  static void quantize_task(void* context, size_t m0, size_t count) {
    const auto* self = static_cast<const QuantizedFullyConnected*>(context);
    const size_t k = self->matrix_.k, blocks = k / 32;
    quantize_rows_q8(self->args_.x + m0 * self->args_.x_stride, self->args_.x_stride, count, k,
                     self->x_form_ == XForm::kQ8Q4Order, self->q8_ + m0 * k,
                     self->q8_scales_ + m0 * blocks, self->q8_sums_ + m0 * blocks);
  }

  QuantizedMatrix matrix_;
  const TensorView* x_ = nullptr;  // the session's view: rows follow a run-time leading dimension
  QGemvArgs args_;
  QGemvFn kernel_ = nullptr;
  XForm x_form_ = XForm::kF32;
  int8_t* q8_ = nullptr;  // x quantized (XForm::kQ8*), in the scratch during run()
  float* q8_scales_ = nullptr;
  float* q8_sums_ = nullptr;
  std::vector<float> channel_scales_;
  AlignedBuffer bias_;
  LoraBranches lora_;
  size_t tile_ = 8;
};

}  // namespace

bool quantized_fully_connected_supported(const OpSignature& op) {
  if (op.op == nullptr || op.op->type() != fb::OpType::FullyConnected || op.num_inputs < 2 ||
      op.num_outputs < 1 || op.inputs[0] == nullptr || op.inputs[1] == nullptr ||
      op.outputs[0] == nullptr)
    return false;
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  if (x.dtype != DType::F32 || y.dtype != DType::F32 || w.shape.rank != 2 || x.shape.rank < 1 ||
      x.shape[x.shape.rank - 1] != w.shape[1] || w.shape[1] < 1 ||
      y.shape.numel() * w.shape[1] != x.shape.numel() * w.shape[0])
    return false;
  if (!channel_quantized_i8(w) && !group_quantized_i4(w)) return false;
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  return bias == nullptr || (weight_dtype_ok(bias->dtype) && bias->shape.numel() == w.shape[0]);
}

Result<std::unique_ptr<CpuOp>> create_quantized_fully_connected_op(const OpSignature& op,
                                                                   const OutputClamp& clamp,
                                                                   const CpuOpContext& context) {
  if (!quantized_fully_connected_supported(op))
    return Status::error(Code::kUnsupported,
                         "cpu: quantized FullyConnected weights or dtypes not supported");
  if (op.inputs[0]->data == nullptr || op.inputs[1]->data == nullptr ||
      op.outputs[0]->data == nullptr)
    return Status::error(Code::kInvalidArgument, "cpu: FullyConnected tensors without data");
  std::unique_ptr<QuantizedFullyConnected> result(new (std::nothrow) QuantizedFullyConnected());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for a FullyConnected op");
  SPRIG_RETURN_IF_ERROR(result->init(op, clamp, context));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
