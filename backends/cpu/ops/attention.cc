// Attention (sprig.fbs) with or without a KV cache: the new rows of k and v are copied into the
// caches (F32, or rounded to F16) at their positions, then each (token, query head) pair is one task of the attention
// kernel (kernels/attention) over the rows it may see, query heads sharing key/value heads (GQA).
// Positions outside the cache are refused before the run. The token and key counts are read at
// each run (run-time leading dimensions).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "backends/cpu/kernels/attention/attention.h"
#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class AttentionOp final : public CpuOp {
 public:
  AttentionOp(const OpSignature& op, const CpuFeatures& features)
      : f32_kernel_(f32_attention_kernel(features)),
        f16_kernel_(f16_cache_attention_kernel(features)) {
    const Shape& q = op.inputs[0]->shape;
    const fb::AttentionOptions& options = *op.op->options_as_AttentionOptions();
    q_ = op.inputs[0]->as<const float>();
    k_ = op.inputs[1]->as<const float>();
    v_ = op.inputs[2]->as<const float>();
    y_ = op.outputs[0]->as<float>();
    q_view_ = op.inputs[0];
    k_view_ = op.inputs[1];
    heads_ = static_cast<size_t>(q[1]);
    d_ = static_cast<size_t>(q[2]);
    kv_heads_ = static_cast<size_t>(op.inputs[1]->shape[1]);
    causal_ = options.causal();
    scale_ = options.scale() != 0.0f ? options.scale()
                                     : static_cast<float>(1.0 / std::sqrt(static_cast<double>(d_)));
    if (op.num_inputs == 6) {
      k_cache_ = op.inputs[3]->data;
      v_cache_ = op.inputs[4]->data;
      f16_cache_ = op.inputs[3]->dtype == DType::F16;
      positions_ = op.inputs[5]->as<const int32_t>();
      capacity_ = static_cast<size_t>(op.inputs[3]->shape[0]);
    }
  }

  Status check_inputs() const override {
    if (positions_ == nullptr) return Status::ok_status();
    const size_t tokens = static_cast<size_t>(q_view_->shape[0]);
    for (size_t t = 0; t < tokens; ++t)
      if (positions_[t] < 0 || static_cast<size_t>(positions_[t]) >= capacity_)
        return Status::error(Code::kInvalidArgument,
                             "Attention: position %d of token %zu is outside the %zu-row KV cache",
                             positions_[t], t, capacity_);
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    tokens_ = static_cast<size_t>(q_view_->shape[0]);
    key_rows_ = static_cast<size_t>(k_view_->shape[0]);
    const size_t row = kv_heads_ * d_;
    keys_ = k_;
    values_ = v_;
    visible_rows_ = key_rows_;
    if (positions_ != nullptr) {
      size_t last = 0;
      for (size_t t = 0; t < tokens_; ++t) {
        const size_t p = static_cast<size_t>(positions_[t]);
        store_row(k_cache_, p * row, k_ + t * row, row);
        store_row(v_cache_, p * row, v_ + t * row, row);
        last = std::max(last, p);
      }
      keys_ = k_cache_;
      values_ = v_cache_;
      visible_rows_ = last + 1;
    }
    const size_t work = tokens_ * heads_ * visible_rows_ * d_;
    pthreadpool_parallelize_1d(pool_for(pool, work / 4), &AttentionOp::task, this,
                               tokens_ * heads_, kParallelFlags);
  }

 private:
  void store_row(void* cache, size_t offset, const float* row, size_t n) const {
    if (f16_cache_) {
      uint16_t* out = static_cast<uint16_t*>(cache) + offset;
      for (size_t i = 0; i < n; ++i) out[i] = f32_to_f16(row[i]);
    } else {
      std::memcpy(static_cast<float*>(cache) + offset, row, n * sizeof(float));
    }
  }

  static void task(void* context, size_t index) {
    const auto* self = static_cast<const AttentionOp*>(context);
    const size_t t = index / self->heads_, h = index % self->heads_;
    const size_t d = self->d_;
    float* y = self->y_ + index * d;
    size_t visible = self->visible_rows_;
    if (self->causal_) {
      const int64_t last_seen =
          self->positions_ != nullptr
              ? self->positions_[t]
              : static_cast<int64_t>(t + self->key_rows_) - static_cast<int64_t>(self->tokens_);
      visible = static_cast<size_t>(
          std::clamp<int64_t>(last_seen + 1, 0, static_cast<int64_t>(self->visible_rows_)));
    }
    if (visible == 0) {
      std::fill(y, y + d, 0.0f);
      return;
    }
    const size_t g = h / (self->heads_ / self->kv_heads_);
    const size_t stride = self->kv_heads_ * d;
    if (self->positions_ != nullptr && self->f16_cache_)
      self->f16_kernel_(self->q_ + index * d, static_cast<const uint16_t*>(self->keys_) + g * d,
                        static_cast<const uint16_t*>(self->values_) + g * d, visible, d, stride,
                        self->scale_, y);
    else
      self->f32_kernel_(self->q_ + index * d, static_cast<const float*>(self->keys_) + g * d,
                        static_cast<const float*>(self->values_) + g * d, visible, d, stride,
                        self->scale_, y);
  }

  f32_attention_fn f32_kernel_;
  f16_cache_attention_fn f16_kernel_;
  const float *q_ = nullptr, *k_ = nullptr, *v_ = nullptr;
  float* y_ = nullptr;
  void *k_cache_ = nullptr, *v_cache_ = nullptr;
  bool f16_cache_ = false;
  const int32_t* positions_ = nullptr;
  const TensorView *q_view_ = nullptr, *k_view_ = nullptr;  // the session's views
  size_t heads_ = 0, d_ = 0, kv_heads_ = 0, capacity_ = 0;
  bool causal_ = true;
  float scale_ = 1.0f;
  // Set by run() for its tasks.
  size_t tokens_ = 0, key_rows_ = 0;
  const void *keys_ = nullptr, *values_ = nullptr;  // the caches, or k and v without them
  size_t visible_rows_ = 0;
};

}  // namespace

bool attention_supported(const OpSignature& op) {
  if (!op.op || op.op->type() != fb::OpType::Attention || op.num_outputs != 1 ||
      (op.num_inputs != 3 && op.num_inputs != 6) || !op.op->options_as_AttentionOptions())
    return false;
  for (int i = 0; i < op.num_inputs; ++i) {
    const DType dtype = op.inputs[i] ? op.inputs[i]->dtype : DType::F32;
    const bool cache = i == 3 || i == 4;
    if (!op.inputs[i] || !(dtype == (i == 5 ? DType::I32 : DType::F32) ||
                           (cache && dtype == DType::F16)))
      return false;
  }
  const Shape& q = op.inputs[0]->shape;
  const Shape& k = op.inputs[1]->shape;
  const TensorView& y = *op.outputs[0];
  if (q.rank != 3 || k.rank != 3 || op.inputs[2]->shape != k || y.dtype != DType::F32 ||
      y.shape != q || k[2] != q[2] || k[1] < 1 || q[1] % k[1] != 0)
    return false;
  if (op.num_inputs == 3) return true;
  const Shape& cache = op.inputs[3]->shape;
  return k[0] == q[0] && cache.rank == 3 && cache[1] == k[1] && cache[2] == k[2] &&
         op.inputs[4]->shape == cache && op.inputs[4]->dtype == op.inputs[3]->dtype &&
         op.inputs[5]->shape.numel() == q[0];
}

Result<std::unique_ptr<CpuOp>> create_attention_op(const OpSignature& op,
                                                   const CpuOpContext& context) {
  if (!attention_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  for (int i = 0; i < op.num_inputs; ++i)
    if (op.inputs[i]->shape.numel() > 0 && !op.inputs[i]->data)
      return Status(Code::kInvalidArgument, "cpu: Attention tensor without data");
  std::unique_ptr<CpuOp> result(
      new (std::nothrow) AttentionOp(op, context.features));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
