// FullyConnected with our own GEMM: y [M, N] = clamp(bias + x [M, K] * w [N, K]^T), M the product
// of x's leading dimensions. Weights (F32/F16/BF16) are packed into GEMM panels at creation.
//
// Unsupported (kUnsupported): activations or outputs other than F32, weights or bias other than
// F32/F16/BF16, weights not of rank 2.
#include <new>

#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"

namespace sprig::cpu {
namespace {

bool weight_dtype_ok(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

class FullyConnectedOp final : public CpuOp {
 public:
  Status init(const OpSignature& op, const OutputClamp& clamp, const CpuOpContext& context) {
    const TensorView& x = *op.inputs[0];
    const TensorView& w = *op.inputs[1];
    const size_t n = static_cast<size_t>(w.shape[0]);
    const size_t k = static_cast<size_t>(w.shape[1]);
    gemm_.kernel = select_f32_gemm_kernel(context.features);
    const size_t nr = static_cast<size_t>(gemm_.kernel.nr);
    if (!packed_.allocate(f32_gemm_packed_b_size(k, n, nr) * sizeof(float)))
      return Status(Code::kOutOfMemory, "cpu: no memory for FullyConnected weights");
    f32_gemm_pack_b_nk(k, n, nr, w.dtype, w.data, k, packed_.as<float>());
    const TensorView* b = op.num_inputs > 2 ? op.inputs[2] : nullptr;
    if (b != nullptr && b->data != nullptr) {
      const size_t padded = (n + nr - 1) / nr * nr;
      if (!bias_.allocate(padded * sizeof(float)))
        return Status(Code::kOutOfMemory, "cpu: no memory for FullyConnected bias");
      for (size_t j = 0; j < padded; ++j)
        bias_.as<float>()[j] = j < n ? f32_weight_at(b->dtype, b->data, j) : 0.0f;
    }
    gemm_.m = k > 0 ? static_cast<size_t>(x.shape.numel()) / k : 0;
    gemm_.n = n;
    gemm_.k = k;
    gemm_.a = x.f32();
    gemm_.a_stride = k;
    gemm_.packed_b = packed_.as<float>();
    gemm_.bias = bias_.as<float>();
    gemm_.c = op.outputs[0]->f32();
    gemm_.c_stride = n;
    gemm_.min = clamp.min;
    gemm_.max = clamp.max;
    f32_gemm_plan(&gemm_, context.num_threads);
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override { f32_gemm_batch_run(gemm_, pool); }

 private:
  AlignedBuffer packed_, bias_;
  F32GemmBatch gemm_;
};

}  // namespace

bool fully_connected_supported(const OpSignature& op) {
  if (op.op == nullptr || op.op->type() != fb::OpType::FullyConnected || op.num_inputs < 2 ||
      op.num_outputs < 1 || op.inputs[0] == nullptr || op.inputs[1] == nullptr ||
      op.outputs[0] == nullptr)
    return false;
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  if (x.dtype != DType::F32 || y.dtype != DType::F32 || !weight_dtype_ok(w.dtype) ||
      w.shape.rank != 2 || x.shape.rank < 1 || x.shape[x.shape.rank - 1] != w.shape[1] ||
      w.shape[1] < 1 || y.shape.numel() * w.shape[1] != x.shape.numel() * w.shape[0])
    return false;
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  return bias == nullptr || (weight_dtype_ok(bias->dtype) && bias->shape.numel() == w.shape[0]);
}

Result<std::unique_ptr<CpuOp>> create_fully_connected_op(const OpSignature& op,
                                                         const OutputClamp& clamp,
                                                         const CpuOpContext& context) {
  if (!fully_connected_supported(op))
    return Status::error(Code::kUnsupported, "cpu: FullyConnected shape or dtypes not supported");
  if (op.inputs[0]->data == nullptr || op.inputs[1]->data == nullptr ||
      op.outputs[0]->data == nullptr)
    return Status::error(Code::kInvalidArgument, "cpu: FullyConnected tensors without data");
  std::unique_ptr<FullyConnectedOp> result(new (std::nothrow) FullyConnectedOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for a FullyConnected op");
  SPRIG_RETURN_IF_ERROR(result->init(op, clamp, context));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
