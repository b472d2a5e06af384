// FullyConnected over F32 or F16 weights read in place from the model file (kernels/fgemv): the
// path of transformer layers, whose rows of x are a run-time leading dimension (one token when
// generating, a chunk of the prompt when prefilling). Nothing is packed: the weights stay mmapped
// and shared, as int8 and int4 ones do (quantized_fully_connected.cc). The output rows are split
// among the threads in tiles.
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/fgemv/fgemv.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/lora_branches.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"
#include "runtime/ops/dynamic_rows.h"

namespace sprig::cpu {
namespace {

class InPlaceFullyConnected final : public CpuOp {
 public:
  Status init(const OpSignature& op, const OutputClamp& clamp, const CpuOpContext& context) {
    const TensorView& x = *op.inputs[0];
    const TensorView& w = *op.inputs[1];
    matrix_.n = static_cast<size_t>(w.shape[0]);
    matrix_.k = static_cast<size_t>(w.shape[1]);
    const FGemvKernels kernels = select_fgemv_kernels(context.features);
    if (w.dtype == DType::F16) {
      matrix_.f16 = w.as<const uint16_t>();
      kernel_ = kernels.f16;
    } else {
      matrix_.f32 = w.f32();
      kernel_ = kernels.f32;
    }
    const TensorView* b = bias_of(op);
    if (b != nullptr)
      SPRIG_RETURN_IF_ERROR(pack_bias(*b, 1, matrix_.n, matrix_.n, "FullyConnected", &bias_));
    x_ = &x;
    args_.x = x.f32();
    args_.x_stride = matrix_.k;
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

  void run(void*, pthreadpool_t pool) override {
    args_.rows = static_cast<size_t>(x_->shape.numel()) / matrix_.k;
    const size_t work = matrix_.n * matrix_.k * (args_.rows > 0 ? args_.rows : 1);
    pthreadpool_parallelize_1d_tile_1d(work < kSerialWork ? nullptr : pool, task, this, matrix_.n,
                                       tile_, kParallelFlags);
    if (!lora_.empty()) lora_.add(args_.x, args_.rows, args_.y, pool);
  }

  Status set_lora(const LoraBranch* branches, int count) override {
    SPRIG_RETURN_IF_ERROR(lora_.set(branches, count));
    args_.min = lora_.kernel_clamp().min;
    args_.max = lora_.kernel_clamp().max;
    return Status::ok_status();
  }

 private:
  static constexpr size_t kSerialWork = 64 * 1024;  // multiply-adds below which one thread runs

  static void task(void* context, size_t n0, size_t count) {
    const auto* self = static_cast<const InPlaceFullyConnected*>(context);
    self->kernel_(self->matrix_, self->args_, n0, n0 + count);
  }

  FloatMatrix matrix_;
  const TensorView* x_ = nullptr;  // the session's view: rows follow a run-time leading dimension
  FGemvArgs args_;
  FGemvFn kernel_ = nullptr;
  AlignedBuffer bias_;
  LoraBranches lora_;
  size_t tile_ = 8;
};

}  // namespace

bool reads_weights_in_place(const OpSignature& op) {
  return fully_connected_supported(op) && has_dynamic_rows(op) &&
         (op.inputs[1]->dtype == DType::F32 || op.inputs[1]->dtype == DType::F16);
}

Result<std::unique_ptr<CpuOp>> create_in_place_fully_connected_op(const OpSignature& op,
                                                                  const OutputClamp& clamp,
                                                                  const CpuOpContext& context) {
  std::unique_ptr<InPlaceFullyConnected> result(new (std::nothrow) InPlaceFullyConnected());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for a FullyConnected op");
  SPRIG_RETURN_IF_ERROR(result->init(op, clamp, context));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
