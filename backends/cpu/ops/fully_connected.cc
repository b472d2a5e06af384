// FullyConnected with our own GEMM: y [M, N] = clamp(bias + x [M, K] * w [N, K]^T), M the product
// of x's leading dimensions. Weights (F32/F16/BF16) are packed into GEMM panels at creation
// (gemm_op.h), except where rows are a run-time dimension and the weights F32 or F16: those are
// read in place (fully_connected_in_place.cc).
//
// Unsupported (kUnsupported): activations or outputs other than F32, weights or bias other than
// F32/F16/BF16, weights not of rank 2.
#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/ops/gemm_op.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/op_factories.h"

namespace sprig::cpu {

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
  if (reads_weights_in_place(op)) return create_in_place_fully_connected_op(op, clamp, context);
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const size_t n = static_cast<size_t>(w.shape[0]);
  const size_t k = static_cast<size_t>(w.shape[1]);
  F32GemmBatch gemm;
  gemm.kernel = select_f32_gemm_kernel(context.features);
  gemm.m = k > 0 ? static_cast<size_t>(x.shape.numel()) / k : 0;
  gemm.n = n;
  gemm.k = k;
  gemm.a = x.f32();
  gemm.a_stride = k;
  gemm.c = op.outputs[0]->f32();
  gemm.c_stride = n;
  return create_gemm_op(w, bias_of(op), gemm, clamp, context.num_threads, "FullyConnected", &x);
}

}  // namespace sprig::cpu
