// Reshape: a parallel copy of the input's current bytes, or nothing when input and output share
// memory.
#include <cstring>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class CopyOp final : public CpuOp {
 public:
  explicit CopyOp(const TensorView& x, void* y)
      : x_(static_cast<const char*>(x.data)), y_(static_cast<char*>(y)), x_view_(x) {}

  void run(void*, pthreadpool_t pool) override {
    const size_t bytes = x_view_.bytes();
    if (bytes == 0 || x_ == y_) return;
    pthreadpool_parallelize_1d_tile_1d(pool_for(pool, bytes / sizeof(float)), &CopyOp::tile, this,
                                       bytes, kStreamTile * sizeof(float) * 4, kParallelFlags);
  }

 private:
  static void tile(void* context, size_t start, size_t count) {
    const auto* self = static_cast<const CopyOp*>(context);
    std::memmove(self->y_ + start, self->x_ + start, count);
  }

  const char* x_;
  char* y_;
  const TensorView& x_view_;  // the session's view: its bytes follow a run-time leading dimension
};

}  // namespace

Result<std::unique_ptr<CpuOp>> create_reshape_op(const OpSignature& op, const CpuOpContext&) {
  const TensorView* x = op.num_inputs == 1 ? op.inputs[0] : nullptr;
  const TensorView* y = op.num_outputs == 1 ? op.outputs[0] : nullptr;
  if (!x || !y || x->dtype != y->dtype || x->bytes() != y->bytes())
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  if (x->bytes() > 0 && (!x->data || !y->data))
    return Status(Code::kInvalidArgument, "cpu: Reshape tensor without data");
  std::unique_ptr<CpuOp> result(new (std::nothrow) CopyOp(*x, y->data));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
