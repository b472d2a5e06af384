// Softmax along any axis: rows (last axis) or column tiles of a strided slice, in parallel.
#include "backends/cpu/kernels/softmax/softmax.h"

#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class SoftmaxOp final : public CpuOp {
 public:
  SoftmaxOp(f32_softmax_fn kernel, const float* x, float* y, size_t outer, size_t length,
            size_t inner)
      : kernel_(kernel), x_(x), y_(y), outer_(outer), length_(length), inner_(inner) {}

  void run(void*, pthreadpool_t pool) override {
    const size_t elements = outer_ * length_ * inner_;
    if (elements == 0) return;
    pool = pool_for(pool, elements);
    if (inner_ == 1) {
      pthreadpool_parallelize_1d(pool, &SoftmaxOp::row, this, outer_, kParallelFlags);
    } else {
      // Column tiles of about kStreamTile elements.
      const size_t tile = round_up(kStreamTile / length_ + 1, 16);
      pthreadpool_parallelize_2d_tile_1d(pool, &SoftmaxOp::columns, this, outer_, inner_, tile,
                                         kParallelFlags);
    }
  }

 private:
  static void row(void* context, size_t o) {
    const auto* self = static_cast<const SoftmaxOp*>(context);
    self->kernel_(self->length_, 1, 1, self->x_ + o * self->length_, self->y_ + o * self->length_);
  }
  static void columns(void* context, size_t o, size_t start, size_t count) {
    const auto* self = static_cast<const SoftmaxOp*>(context);
    const size_t offset = o * self->length_ * self->inner_ + start;
    self->kernel_(self->length_, self->inner_, count, self->x_ + offset, self->y_ + offset);
  }

  f32_softmax_fn kernel_;
  const float* x_;
  float* y_;
  size_t outer_, length_, inner_;
};

}  // namespace

bool softmax_supported(const OpSignature& op) {
  if (!op.op || op.num_inputs != 1 || op.num_outputs != 1 || !op.op->options_as_SoftmaxOptions())
    return false;
  const TensorView* x = op.inputs[0];
  const TensorView* y = op.outputs[0];
  int axis = op.op->options_as_SoftmaxOptions()->axis();
  if (!x || !y) return false;
  if (axis < 0) axis += x->shape.rank;
  return axis >= 0 && axis < x->shape.rank && x->dtype == DType::F32 && y->dtype == DType::F32 &&
         x->shape == y->shape;
}

Result<std::unique_ptr<CpuOp>> create_softmax_op(const OpSignature& op,
                                                 const CpuOpContext& context) {
  if (!softmax_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  if (x.shape.numel() > 0 && (!x.data || !y.data))
    return Status(Code::kInvalidArgument, "cpu: Softmax tensor without data");
  int axis = op.op->options_as_SoftmaxOptions()->axis();
  if (axis < 0) axis += x.shape.rank;
  size_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= static_cast<size_t>(x.shape[d]);
  for (int d = axis + 1; d < x.shape.rank; ++d) inner *= static_cast<size_t>(x.shape[d]);
  std::unique_ptr<CpuOp> result(new (std::nothrow) SoftmaxOp(
      f32_softmax_kernel(context.features), x.as<const float>(), y.as<float>(), outer,
      static_cast<size_t>(x.shape[axis]), inner));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
