// RmsNorm and LayerNorm over the last dimension, rows in parallel. The weight (and LayerNorm's
// bias) may be stored as F32, F16 or BF16 and are widened to f32 at creation. Sums are taken in
// double, as the reference does, so the two agree to float rounding.
#include <cmath>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class NormOp final : public CpuOp {
 public:
  Status init(const OpSignature& op) {
    const TensorView& x = *op.inputs[0];
    layer_norm_ = op.op->type() == fb::OpType::LayerNorm;
    d_ = static_cast<size_t>(x.shape[x.shape.rank - 1]);
    x_view_ = &x;
    epsilon_ = layer_norm_ ? op.op->options_as_LayerNormOptions()->epsilon()
                           : op.op->options_as_RmsNormOptions()->epsilon();
    x_ = x.as<const float>();
    y_ = op.outputs[0]->as<float>();
    SPRIG_RETURN_IF_ERROR(pack_bias(*op.inputs[1], 1, d_, d_, "normalization", &weight_));
    const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
    if (bias != nullptr)
      SPRIG_RETURN_IF_ERROR(pack_bias(*bias, 1, d_, d_, "normalization", &bias_));
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    const size_t numel = static_cast<size_t>(x_view_->shape.numel());
    const size_t rows = d_ > 0 ? numel / d_ : 0;
    pthreadpool_parallelize_1d(pool_for(pool, numel), &NormOp::row, this, rows, kParallelFlags);
  }

 private:
  static void row(void* context, size_t r) {
    const auto* self = static_cast<const NormOp*>(context);
    const size_t d = self->d_;
    const float* in = self->x_ + r * d;
    float* out = self->y_ + r * d;
    const float* w = self->weight_.as<float>();
    double mean = 0.0, square_sum = 0.0;
    if (self->layer_norm_) {
      for (size_t i = 0; i < d; ++i) mean += in[i];
      mean /= static_cast<double>(d);
    }
    for (size_t i = 0; i < d; ++i) square_sum += (in[i] - mean) * (in[i] - mean);
    const float inverse =
        static_cast<float>(1.0 / std::sqrt(square_sum / static_cast<double>(d) + self->epsilon_));
    const float center = static_cast<float>(mean);
    const float* b = self->bias_.as<float>();
    for (size_t i = 0; i < d; ++i) {
      const float v = (in[i] - center) * inverse * w[i];
      out[i] = b != nullptr ? v + b[i] : v;
    }
  }

  bool layer_norm_ = false;
  size_t d_ = 0;
  const TensorView* x_view_ = nullptr;  // the session's view: rows are read at each run
  double epsilon_ = 0.0;
  const float* x_ = nullptr;
  float* y_ = nullptr;
  AlignedBuffer weight_, bias_;
};

}  // namespace

bool normalization_supported(const OpSignature& op) {
  if (!op.op || op.num_outputs != 1 || op.num_inputs < 2) return false;
  const fb::OpType type = op.op->type();
  if (type != fb::OpType::RmsNorm && type != fb::OpType::LayerNorm) return false;
  const TensorView* x = op.inputs[0];
  const TensorView* y = op.outputs[0];
  if (!x || !y || !op.inputs[1] || x->shape.rank < 1 || x->dtype != DType::F32 ||
      y->dtype != DType::F32 || y->shape != x->shape)
    return false;
  const int64_t d = x->shape[x->shape.rank - 1];
  for (int i = 1; i < op.num_inputs; ++i)
    if (op.inputs[i] &&
        (!weight_dtype_ok(op.inputs[i]->dtype) || op.inputs[i]->shape.numel() != d))
      return false;
  return true;
}

Result<std::unique_ptr<CpuOp>> create_normalization_op(const OpSignature& op,
                                                       const CpuOpContext&) {
  if (!normalization_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  if (!op.inputs[0]->data || !op.outputs[0]->data)
    return Status(Code::kInvalidArgument, "cpu: normalization tensor without data");
  std::unique_ptr<NormOp> result(new (std::nothrow) NormOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
