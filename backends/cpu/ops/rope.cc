// Rope (rotary position embedding) on x [T, H, D], both pair layouts (sprig.fbs). Each token's
// cosines and sines are computed once, in double from positions[t] * inv_freq[i] (angles reach
// thousands of radians, where a float angle would be off by 1e-4), then applied to its H heads.
// Tokens run in parallel; their count is read at each run (a run-time leading dimension).
#include <cmath>
#include <cstring>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

// Rotated pairs per head a token's cosines and sines are kept for, on the stack.
constexpr size_t kMaxPairs = 256;

class RopeOp final : public CpuOp {
 public:
  explicit RopeOp(const OpSignature& op)
      : x_(op.inputs[0]->as<const float>()),
        positions_(op.inputs[1]->as<const int32_t>()),
        inv_freq_(op.inputs[2]->as<const float>()),
        y_(op.outputs[0]->as<float>()),
        x_view_(*op.inputs[0]),
        heads_(static_cast<size_t>(op.inputs[0]->shape[1])),
        d_(static_cast<size_t>(op.inputs[0]->shape[2])),
        pairs_(static_cast<size_t>(op.inputs[2]->shape[0])),
        interleaved_(op.op->options_as_RopeOptions()->interleaved()) {}

  void run(void*, pthreadpool_t pool) override {
    const size_t tokens = static_cast<size_t>(x_view_.shape[0]);
    pthreadpool_parallelize_1d(pool_for(pool, tokens * heads_ * d_), &RopeOp::token, this, tokens,
                               kParallelFlags);
  }

 private:
  static void token(void* context, size_t t) {
    const auto* self = static_cast<const RopeOp*>(context);
    const size_t pairs = self->pairs_, d = self->d_;
    float cosines[kMaxPairs], sines[kMaxPairs];
    const double position = self->positions_[t];
    for (size_t i = 0; i < pairs; ++i) {
      const double angle = position * static_cast<double>(self->inv_freq_[i]);
      cosines[i] = static_cast<float>(std::cos(angle));
      sines[i] = static_cast<float>(std::sin(angle));
    }
    const size_t second = self->interleaved_ ? 1 : pairs;  // offset of a pair's second element
    const size_t stride = self->interleaved_ ? 2 : 1;      // between pairs' first elements
    for (size_t h = 0; h < self->heads_; ++h) {
      const float* in = self->x_ + (t * self->heads_ + h) * d;
      float* out = self->y_ + (t * self->heads_ + h) * d;
      for (size_t i = 0; i < pairs; ++i) {
        const float x1 = in[i * stride], x2 = in[i * stride + second];
        out[i * stride] = x1 * cosines[i] - x2 * sines[i];
        out[i * stride + second] = x2 * cosines[i] + x1 * sines[i];
      }
      if (out != in)
        std::memcpy(out + 2 * pairs, in + 2 * pairs, (d - 2 * pairs) * sizeof(float));
    }
  }

  const float* x_;
  const int32_t* positions_;
  const float* inv_freq_;
  float* y_;
  const TensorView& x_view_;
  size_t heads_, d_, pairs_;
  bool interleaved_;
};

}  // namespace

bool rope_supported(const OpSignature& op) {
  if (!op.op || op.op->type() != fb::OpType::Rope || op.num_inputs != 3 || op.num_outputs != 1 ||
      !op.op->options_as_RopeOptions())
    return false;
  const TensorView* x = op.inputs[0];
  const TensorView* positions = op.inputs[1];
  const TensorView* inv_freq = op.inputs[2];
  const TensorView* y = op.outputs[0];
  return x && positions && inv_freq && y && x->shape.rank == 3 && x->dtype == DType::F32 &&
         y->dtype == DType::F32 && y->shape == x->shape && positions->dtype == DType::I32 &&
         positions->shape.numel() == x->shape[0] && inv_freq->dtype == DType::F32 &&
         inv_freq->shape.rank == 1 && 2 * inv_freq->shape[0] <= x->shape[2] &&
         static_cast<size_t>(inv_freq->shape[0]) <= kMaxPairs;
}

Result<std::unique_ptr<CpuOp>> create_rope_op(const OpSignature& op, const CpuOpContext&) {
  if (!rope_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  for (const TensorView* t : {op.inputs[0], op.inputs[1], op.inputs[2], op.outputs[0]})
    if (t->shape.numel() > 0 && !t->data)
      return Status(Code::kInvalidArgument, "cpu: Rope tensor without data");
  std::unique_ptr<CpuOp> result(new (std::nothrow) RopeOp(op));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
