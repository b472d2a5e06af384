// GlobalAveragePool on the average-pooling kernel: each image's H*W pixels as one window, split
// over channel tiles.
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/pool/pool.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

constexpr size_t kChannelTile = 64;

class GlobalAveragePoolOp final : public CpuOp {
 public:
  GlobalAveragePoolOp(const TensorView& x, const TensorView& y, const CpuOpContext& context)
      : x_(x.as<const float>()),
        y_(y.as<float>()),
        batch_(static_cast<size_t>(x.shape[0])),
        pixels_(static_cast<size_t>(x.shape[1] * x.shape[2])),
        channels_(static_cast<size_t>(x.shape[3])),
        avgpool_(f32_pool_kernels(context.features).avgpool) {}

  void run(void*, pthreadpool_t pool) override {
    if (batch_ * channels_ == 0) return;
    pthreadpool_parallelize_2d_tile_1d(pool_for(pool, batch_ * pixels_ * channels_),
                                       &GlobalAveragePoolOp::tile, this, batch_, channels_,
                                       kChannelTile, kParallelFlags);
  }

 private:
  static void tile(void* context, size_t n, size_t c_begin, size_t c_count) {
    const auto* self = static_cast<const GlobalAveragePoolOp*>(context);
    const size_t c = self->channels_;
    const float scale = self->pixels_ ? 1.0f / static_cast<float>(self->pixels_) : 0.0f;
    self->avgpool_(c_count, self->x_ + n * self->pixels_ * c + c_begin, 1, self->pixels_, 0, c,
                   scale, self->y_ + n * c + c_begin);
  }

  const float* x_;
  float* y_;
  size_t batch_, pixels_, channels_;
  f32_avgpool_fn avgpool_;
};

}  // namespace

Result<std::unique_ptr<CpuOp>> create_global_average_pool_op(const OpSignature& op,
                                                             const CpuOpContext& context) {
  const TensorView* x = op.num_inputs == 1 ? op.inputs[0] : nullptr;
  const TensorView* y = op.num_outputs == 1 ? op.outputs[0] : nullptr;
  if (!x || !y || x->shape.rank != 4 || x->dtype != DType::F32 || y->dtype != DType::F32)
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  if (!x->data || !y->data)
    return Status(Code::kInvalidArgument, "cpu: GlobalAveragePool tensor without data");
  std::unique_ptr<CpuOp> result(new (std::nothrow) GlobalAveragePoolOp(*x, *y, context));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
