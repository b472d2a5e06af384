// Activation ops (and the fused activations other ops cannot clamp) on the elementwise kernels,
// over tiles of kStreamTile floats.
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/elementwise/elementwise.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class ActivationOp final : public CpuOp {
 public:
  ActivationOp(f32_vunary_fn kernel, const UnaryParams& params, const float* x, float* y,
               size_t count, const TensorView* counted)
      : kernel_(kernel), params_(params), x_(x), y_(y), count_(count), counted_(counted) {}

  void run(void*, pthreadpool_t pool) override {
    const size_t count = counted_ ? static_cast<size_t>(counted_->shape.numel()) : count_;
    pthreadpool_parallelize_1d_tile_1d(pool_for(pool, count), &ActivationOp::tile, this, count,
                                       kStreamTile, kParallelFlags);
  }

 private:
  static void tile(void* context, size_t start, size_t count) {
    const auto* self = static_cast<const ActivationOp*>(context);
    self->kernel_(count, self->x_ + start, self->y_ + start, self->params_);
  }

  f32_vunary_fn kernel_;
  UnaryParams params_;
  const float* x_;
  float* y_;
  size_t count_;
  const TensorView* counted_;
};

// For the identity in place, or no elements.
class NoOp final : public CpuOp {
 public:
  void run(void*, pthreadpool_t) override {}
};

}  // namespace

Result<std::unique_ptr<CpuOp>> create_activation_op(const ActivationParams& activation,
                                                    const float* x, float* y, size_t count,
                                                    const CpuOpContext& context,
                                                    const TensorView* counted) {
  const f32_vunary_fn kernel = f32_vunary_kernel(activation.kind, context.features);
  if (!kernel)
    return Status::error(Code::kUnsupported, "cpu: activation kind %d not supported",
                         static_cast<int>(activation.kind));
  std::unique_ptr<CpuOp> result;
  if (count == 0 || (activation.kind == fb::ActivationKind::None && x == y)) {
    result.reset(new (std::nothrow) NoOp());
  } else {
    if (!x || !y) return Status(Code::kInvalidArgument, "cpu: activation tensor without data");
    UnaryParams params;
    params.alpha = activation.alpha;
    params.beta = activation.beta;
    result.reset(new (std::nothrow) ActivationOp(kernel, params, x, y, count, counted));
  }
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
