// FullyConnected with weight-only quantized weights, read in place from the model file:
//   I8 with one scale per output channel (quantization axis 0, listed scales, zero points 0), or
//   I4 group-wise (group_size dividing K, F16 scale tensor, optional I8 zero point tensor).
// The output rows are split among the threads in tiles; each tile decodes its weight rows once
// per block of four rows of x (kernels/qgemv/qgemv.h). For the SIMD int4 kernels, each run first
// rearranges x into the scratch (q4_prepare_x).
//
// Unsupported (kUnsupported): any other quantization, activations or outputs other than F32,
// bias other than F32/F16/BF16.
#include <new>
#include <vector>

#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "backends/cpu/ops/gemm_weights.h"
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
    if (w.dtype == DType::I8) {
      matrix_.q8 = w.as<const int8_t>();
      channel_scales_.resize(matrix_.n);
      for (size_t n = 0; n < matrix_.n; ++n)
        channel_scales_[n] = w.quantization->scale()->Get(static_cast<uint32_t>(n));
      matrix_.channel_scales = channel_scales_.data();
      kernel_ = kernels.q8c;
    } else {
      matrix_.q4 = w.as<const uint8_t>();
      matrix_.group = static_cast<size_t>(w.quantization->group_size());
      matrix_.group_scales = w.scales->as<const uint16_t>();
      matrix_.group_zeros = w.zero_points != nullptr ? w.zero_points->as<const int8_t>() : nullptr;
      const bool simd = matrix_.group % 32 == 0;
      kernel_ = simd ? kernels.q4g : q4g_gemv_f32__scalar;
      prepare_x_ = simd && kernels.q4g_needs_prepared_x;
    }
    const TensorView* b = bias_of(op);
    if (b != nullptr)
      SPRIG_RETURN_IF_ERROR(pack_bias(*b, 1, matrix_.n, matrix_.n, "FullyConnected", &bias_));
    args_.x = x.f32();
    args_.x_stride = matrix_.k;
    args_.rows = matrix_.k > 0 ? static_cast<size_t>(x.shape.numel()) / matrix_.k : 0;
    args_.bias = b != nullptr ? bias_.as<float>() : nullptr;
    args_.y = op.outputs[0]->f32();
    args_.y_stride = matrix_.n;
    args_.min = clamp.min;
    args_.max = clamp.max;
    // About four tiles per thread, so that threads slowed by other processes get fewer.
    const size_t threads = context.num_threads > 1 ? static_cast<size_t>(context.num_threads) : 1;
    tile_ = (matrix_.n + 4 * threads - 1) / (4 * threads);
    if (tile_ < 8) tile_ = 8;
    work_ = matrix_.n * matrix_.k * (args_.rows > 0 ? args_.rows : 1);
    return Status::ok_status();
  }

  size_t scratch_bytes() const override {
    return prepare_x_ ? args_.rows * (matrix_.k + matrix_.k / 32) * sizeof(float) : 0;
  }

  void run(void* scratch, pthreadpool_t pool) override {
    if (prepare_x_) {
      float* x_nibble_order = static_cast<float*>(scratch);
      float* block_sums = x_nibble_order + args_.rows * matrix_.k;
      q4_prepare_x(args_.x, args_.x_stride, args_.rows, matrix_.k, x_nibble_order, block_sums);
      args_.x_nibble_order = x_nibble_order;
      args_.x_block_sums = block_sums;
    }
    pthreadpool_parallelize_1d_tile_1d(work_ < kSerialWork ? nullptr : pool, task, this, matrix_.n,
                                       tile_, kParallelFlags);
  }

 private:
  static constexpr size_t kSerialWork = 64 * 1024;  // multiply-adds below which one thread runs

  static void task(void* context, size_t n0, size_t count) {
    const auto* self = static_cast<const QuantizedFullyConnected*>(context);
    self->kernel_(self->matrix_, self->args_, n0, n0 + count);
  }

  QuantizedMatrix matrix_;
  QGemvArgs args_;
  QGemvFn kernel_ = nullptr;
  bool prepare_x_ = false;
  std::vector<float> channel_scales_;
  AlignedBuffer bias_;
  size_t tile_ = 8, work_ = 0;
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
