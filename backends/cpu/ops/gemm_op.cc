#include "backends/cpu/ops/gemm_op.h"

#include <new>

#include "backends/cpu/ops/gemm_weights.h"

namespace sprig::cpu {
namespace {

class GemmOp final : public CpuOp {
 public:
  Status init(const TensorView& w, const TensorView* bias, const F32GemmBatch& gemm,
              const OutputClamp& clamp, int num_threads, const char* op_name,
              const TensorView* a_rows) {
    gemm_ = gemm;
    num_threads_ = num_threads;
    a_rows_ = a_rows;
    SPRIG_RETURN_IF_ERROR(pack_gemm_weights(
        w, bias, gemm.batch, static_cast<size_t>(gemm.kernel.nr), op_name, &weights_));
    gemm_.packed_b = weights_.packed.as<float>();
    gemm_.b_batch_stride = weights_.group_stride;
    gemm_.bias = weights_.bias.as<float>();
    gemm_.bias_batch_stride = weights_.bias_stride;
    gemm_.min = clamp.min;
    gemm_.max = clamp.max;
    f32_gemm_plan(&gemm_, num_threads);
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    if (a_rows_ != nullptr) {
      const size_t m = static_cast<size_t>(a_rows_->shape.numel()) / gemm_.k;
      if (m != gemm_.m) {
        gemm_.m = m;
        f32_gemm_plan(&gemm_, num_threads_);
      }
    }
    f32_gemm_batch_run(gemm_, pool);
  }

 private:
  GemmWeights weights_;
  F32GemmBatch gemm_;
  int num_threads_ = 1;
  const TensorView* a_rows_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<CpuOp>> create_gemm_op(const TensorView& w, const TensorView* bias,
                                              const F32GemmBatch& gemm, const OutputClamp& clamp,
                                              int num_threads, const char* op_name,
                                              const TensorView* a_rows) {
  std::unique_ptr<GemmOp> result(new (std::nothrow) GemmOp());
  if (!result) return Status::error(Code::kOutOfMemory, "cpu: no memory for a %s op", op_name);
  SPRIG_RETURN_IF_ERROR(result->init(w, bias, gemm, clamp, num_threads, op_name, a_rows));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
