// Concat along any axis as block copies: for each index of the dims before the axis, input i
// contributes one contiguous block of dims[axis..] elements. Tiles are runs of outer indices, or,
// when there are few outer indices, pieces of each input's blocks.
#include <cstring>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

struct Part {
  const char* data;
  size_t block;   // bytes per outer index
  size_t offset;  // bytes into each output block
};

class ConcatOp final : public CpuOp {
 public:
  Status init(const OpSignature& op) {
    const TensorView& y = *op.outputs[0];
    int axis = op.op->options_as_ConcatOptions()->axis();
    if (axis < 0) axis += y.shape.rank;
    size_t inner = sizeof(float);
    for (int d = axis + 1; d < y.shape.rank; ++d) inner *= static_cast<size_t>(y.shape[d]);
    outer_ = 1;
    for (int d = 0; d < axis; ++d) outer_ *= static_cast<size_t>(y.shape[d]);
    if (!parts_.allocate(static_cast<size_t>(op.num_inputs) * sizeof(Part)))
      return Status(Code::kOutOfMemory, "cpu: no memory for Concat");
    Part* parts = parts_.as<Part>();
    out_block_ = 0;
    for (int i = 0; i < op.num_inputs; ++i) {
      const TensorView& x = *op.inputs[i];
      const size_t block = static_cast<size_t>(x.shape[axis]) * inner;
      if (block > 0 && outer_ > 0 && !x.data)
        return Status(Code::kInvalidArgument, "cpu: Concat tensor without data");
      if (block == 0) continue;
      parts[count_++] = Part{static_cast<const char*>(x.data), block, out_block_};
      out_block_ += block;
    }
    y_ = static_cast<char*>(y.data);
    if (out_block_ > 0 && outer_ > 0 && !y_)
      return Status(Code::kInvalidArgument, "cpu: Concat tensor without data");
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    const size_t bytes = outer_ * out_block_;
    if (bytes == 0) return;
    pool = pool_for(pool, bytes / sizeof(float));
    constexpr size_t kTileBytes = kStreamTile * sizeof(float) * 4;
    if (outer_ >= 64 || out_block_ * 4 <= kTileBytes) {
      const size_t rows = kTileBytes / out_block_ + 1;
      pthreadpool_parallelize_1d_tile_1d(pool, &ConcatOp::rows, this, outer_, rows, kParallelFlags);
      return;
    }
    for (part_ = 0; part_ < count_; ++part_)
      pthreadpool_parallelize_2d_tile_1d(pool, &ConcatOp::pieces, this, outer_,
                                         parts_.as<Part>()[part_].block, kTileBytes,
                                         kParallelFlags);
  }

 private:
  static void rows(void* context, size_t start, size_t count) {
    const auto* self = static_cast<const ConcatOp*>(context);
    const Part* parts = self->parts_.as<const Part>();
    for (size_t o = start; o < start + count; ++o) {
      char* out = self->y_ + o * self->out_block_;
      for (size_t i = 0; i < self->count_; ++i)
        std::memcpy(out + parts[i].offset, parts[i].data + o * parts[i].block, parts[i].block);
    }
  }
  static void pieces(void* context, size_t o, size_t start, size_t count) {
    const auto* self = static_cast<const ConcatOp*>(context);
    const Part& part = self->parts_.as<const Part>()[self->part_];
    std::memcpy(self->y_ + o * self->out_block_ + part.offset + start,
                part.data + o * part.block + start, count);
  }

  size_t outer_ = 0, out_block_ = 0, count_ = 0, part_ = 0;
  char* y_ = nullptr;
  AlignedBuffer parts_;
};

}  // namespace

bool concat_supported(const OpSignature& op) {
  if (!op.op || op.num_inputs < 1 || op.num_outputs != 1 || !op.op->options_as_ConcatOptions())
    return false;
  for (int i = 0; i < op.num_inputs; ++i)
    if (!op.inputs[i] || op.inputs[i]->dtype != DType::F32) return false;
  const TensorView* y = op.outputs[0];
  int axis = op.op->options_as_ConcatOptions()->axis();
  if (!y) return false;
  if (axis < 0) axis += y->shape.rank;
  return y->dtype == DType::F32 && axis >= 0 && axis < y->shape.rank;
}

Result<std::unique_ptr<CpuOp>> create_concat_op(const OpSignature& op, const CpuOpContext&) {
  if (!concat_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  std::unique_ptr<ConcatOp> result(new (std::nothrow) ConcatOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
