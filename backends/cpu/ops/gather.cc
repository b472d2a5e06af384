// Gather (embedding lookup): rows of a table [rows, d] stored as F32, F16 or BF16, or weight-only
// quantized (I8 per row, I4 group-wise), picked by I32 indices and widened to f32. Indices outside the table are refused before the run. The index count
// and the table's rows are read at each run (either may be a run-time leading dimension: a table of
// activations, as when a decoder picks the rows whose logits it computes).
#include <cstring>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/quantization.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class GatherOp final : public CpuOp {
 public:
  GatherOp(const TensorView& table, const TensorView& indices, float* y)
      : table_(table.data),
        dtype_(table.dtype),
        d_(static_cast<size_t>(table.shape[1])),
        table_view_(table),
        indices_view_(indices),
        indices_(indices.as<const int32_t>()),
        y_(y) {}

  Status check_inputs() const override {
    const size_t rows = static_cast<size_t>(table_view_.shape[0]);
    const size_t count = static_cast<size_t>(indices_view_.shape.numel());
    for (size_t i = 0; i < count; ++i)
      if (indices_[i] < 0 || static_cast<size_t>(indices_[i]) >= rows)
        return Status::error(Code::kInvalidArgument,
                             "Gather: index %d at %zu is outside the table's %zu rows",
                             indices_[i], i, rows);
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    const size_t count = static_cast<size_t>(indices_view_.shape.numel());
    pthreadpool_parallelize_1d(pool_for(pool, count * d_), &GatherOp::row, this, count,
                               kParallelFlags);
  }

 private:
  static void row(void* context, size_t i) {
    const auto* self = static_cast<const GatherOp*>(context);
    const size_t d = self->d_, r = static_cast<size_t>(self->indices_[i]);
    float* out = self->y_ + i * d;
    if (self->dtype_ == DType::F32) {
      std::memcpy(out, static_cast<const float*>(self->table_) + r * d, d * sizeof(float));
      return;
    }
    if (is_quantized_dtype(self->dtype_)) {
      (void)dequantize_range_to_f32(self->table_view_, static_cast<int64_t>(r * d), static_cast<int64_t>(d), out);
      return;
    }
    const uint16_t* in = static_cast<const uint16_t*>(self->table_) + r * d;
    if (self->dtype_ == DType::F16) {
      for (size_t j = 0; j < d; ++j) out[j] = f16_to_f32(in[j]);
    } else {
      for (size_t j = 0; j < d; ++j) out[j] = bf16_to_f32(in[j]);
    }
  }

  const void* table_;
  DType dtype_;
  size_t d_;
  const TensorView& table_view_;  // the session's views: their shapes are read at each run
  const TensorView& indices_view_;
  const int32_t* indices_;
  float* y_;
};

}  // namespace

bool gather_supported(const OpSignature& op) {
  if (!op.op || op.op->type() != fb::OpType::Gather || op.num_inputs != 2 || op.num_outputs != 1)
    return false;
  const TensorView* table = op.inputs[0];
  const TensorView* indices = op.inputs[1];
  const TensorView* y = op.outputs[0];
  if (!table || !indices || !y) return false;
  const bool quantized = (table->dtype == DType::I8 || table->dtype == DType::I4) &&
                         table->quantization != nullptr;
  return table->shape.rank == 2 &&
         (table->dtype == DType::F32 || table->dtype == DType::F16 ||
          table->dtype == DType::BF16 || quantized) &&
         indices->dtype == DType::I32 && y->dtype == DType::F32 &&
         y->shape.numel() == indices->shape.numel() * table->shape[1];
}

Result<std::unique_ptr<CpuOp>> create_gather_op(const OpSignature& op, const CpuOpContext&) {
  if (!gather_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  const TensorView& indices = *op.inputs[1];
  if (!op.inputs[0]->data || !indices.data || !op.outputs[0]->data)
    return Status(Code::kInvalidArgument, "cpu: Gather tensor without data");
  std::unique_ptr<CpuOp> result(
      new (std::nothrow) GatherOp(*op.inputs[0], indices, op.outputs[0]->as<float>()));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
