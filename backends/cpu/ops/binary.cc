// Add/Sub/Mul/Div with numpy broadcasting. At creation the broadcast is simplified: output dims
// of size 1 are dropped and neighbouring dims along which each operand is either present or
// broadcast alike are merged. What is left is rows of a contiguous inner dim, each row one kernel
// call: both operands vectors (same shapes), one a single value (scalar operand, per-pixel
// value), or one a vector reused by every row (per-channel vector, SE-style [N,1,1,C] scales).
// Fused activations that are not clamps run on each finished piece while it is in cache. When the
// output's leading dimension changes at run time, the outermost simplified dim (which holds it)
// scales with it.
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/elementwise/elementwise.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

class BinaryOpImpl final : public CpuOp {
 public:
  Status init(const OpSignature& op, const CpuOpContext& context) {
    const TensorView& a = *op.inputs[0];
    const TensorView& b = *op.inputs[1];
    const TensorView& y = *op.outputs[0];
    const fb::Activation* fused = op.op->options_as_BinaryOptions()->fused();
    numel_ = static_cast<size_t>(y.shape.numel());
    if (numel_ > 0 && (!a.data || !b.data || !y.data))
      return Status(Code::kInvalidArgument, "cpu: binary op tensor without data");
    a_ = a.as<const float>();
    b_ = b.as<const float>();
    y_ = y.as<float>();

    // Simplified dims: present[k] says whether each operand runs along dim k.
    const Shape& ys = y.shape;
    for (int d = 0; d < ys.rank; ++d) {
      if (ys[d] == 1) continue;
      const int da = d - (ys.rank - a.shape.rank), db = d - (ys.rank - b.shape.rank);
      const bool in_a = da >= 0 && a.shape[da] != 1, in_b = db >= 0 && b.shape[db] != 1;
      if (rank_ > 0 && in_a == in_a_[rank_ - 1] && in_b == in_b_[rank_ - 1]) {
        dims_[rank_ - 1] *= static_cast<size_t>(ys[d]);
        continue;
      }
      dims_[rank_] = static_cast<size_t>(ys[d]);
      in_a_[rank_] = in_a;
      in_b_[rank_] = in_b;
      ++rank_;
    }
    if (rank_ == 0) {
      dims_[0] = 1;
      in_a_[0] = in_b_[0] = true;
      rank_ = 1;
    }
    size_t sa = 1, sb = 1;
    for (int k = rank_ - 1; k >= 0; --k) {
      a_strides_[k] = in_a_[k] ? sa : 0;
      b_strides_[k] = in_b_[k] ? sb : 0;
      if (in_a_[k]) sa *= dims_[k];
      if (in_b_[k]) sb *= dims_[k];
    }
    y_view_ = &y;
    max_rows0_ = current_rows0_ = y.shape.rank > 0 ? static_cast<size_t>(y.shape[0]) : 1;
    max_dims0_ = dims_[0];
    max_numel_ = numel_;
    set_sizes();

    BinaryOp kind = BinaryOp::kAdd;
    switch (op.op->type()) {
      case fb::OpType::Sub:
        kind = BinaryOp::kSub;
        break;
      case fb::OpType::Mul:
        kind = BinaryOp::kMul;
        break;
      case fb::OpType::Div:
        kind = BinaryOp::kDiv;
        break;
      default:
        break;
    }
    const BinaryKernels kernels = f32_vbinary_kernels(kind, context.features);
    const bool last_a = in_a_[rank_ - 1], last_b = in_b_[rank_ - 1];
    kernel_ = last_a && last_b ? kernels.vv : (last_a ? kernels.vc : kernels.cv);
    swap_ = !last_a;

    OutputClamp clamp;
    if (!activation_as_clamp(fused, &clamp)) {
      const ActivationParams activation = activation_params(fused);
      post_ = f32_vunary_kernel(activation.kind, context.features);
      if (!post_) return Status(Code::kUnsupported, "cpu: unknown fused activation");
      post_params_.alpha = activation.alpha;
      post_params_.beta = activation.beta;
    }
    params_.min = clamp.min;
    params_.max = clamp.max;
    return Status::ok_status();
  }

  void run(void*, pthreadpool_t pool) override {
    const size_t rows0 = y_view_->shape.rank > 0 ? static_cast<size_t>(y_view_->shape[0]) : 1;
    if (rows0 != current_rows0_ && max_rows0_ > 1) {
      current_rows0_ = rows0;
      dims_[0] = max_dims0_ / max_rows0_ * rows0;
      numel_ = max_numel_ / max_rows0_ * rows0;
      set_sizes();
    }
    if (numel_ == 0) return;
    pool = pool_for(pool, numel_);
    if (rows_ == 1 || inner_ >= kStreamTile)
      pthreadpool_parallelize_2d_tile_1d(pool, &BinaryOpImpl::pieces, this, rows_, inner_,
                                         kStreamTile, kParallelFlags);
    else
      pthreadpool_parallelize_1d_tile_1d(pool, &BinaryOpImpl::rows, this, rows_, row_tile_,
                                         kParallelFlags);
  }

 private:
  void set_sizes() {
    inner_ = dims_[rank_ - 1];
    rows_ = numel_ / (inner_ ? inner_ : 1);
    row_tile_ = kStreamTile / (inner_ ? inner_ : 1) + 1;
  }

  // y[start, start + count) of one row whose operands start at a and b.
  void piece(const float* a, const float* b, float* y, size_t count) const {
    if (swap_)
      kernel_(count, b, a, y, params_);
    else
      kernel_(count, a, b, y, params_);
    if (post_) post_(count, y, y, post_params_);
  }

  // Offsets of row `row` (a multi-index over dims[0, rank - 1)).
  void row_offsets(size_t row, size_t* a_offset, size_t* b_offset) const {
    size_t oa = 0, ob = 0;
    for (int k = rank_ - 2; k >= 0; --k) {
      const size_t i = row % dims_[k];
      row /= dims_[k];
      oa += i * a_strides_[k];
      ob += i * b_strides_[k];
    }
    *a_offset = oa;
    *b_offset = ob;
  }

  static void pieces(void* context, size_t row, size_t start, size_t count) {
    const auto* self = static_cast<const BinaryOpImpl*>(context);
    size_t oa, ob;
    self->row_offsets(row, &oa, &ob);
    const size_t sa = self->a_strides_[self->rank_ - 1], sb = self->b_strides_[self->rank_ - 1];
    self->piece(self->a_ + oa + start * sa, self->b_ + ob + start * sb,
                self->y_ + row * self->inner_ + start, count);
  }

  static void rows(void* context, size_t start, size_t count) {
    const auto* self = static_cast<const BinaryOpImpl*>(context);
    const int outer = self->rank_ - 1;
    size_t index[kMaxRank] = {0};
    size_t rest = start, oa = 0, ob = 0;
    for (int k = outer - 1; k >= 0; --k) {
      index[k] = rest % self->dims_[k];
      rest /= self->dims_[k];
      oa += index[k] * self->a_strides_[k];
      ob += index[k] * self->b_strides_[k];
    }
    float* y = self->y_ + start * self->inner_;
    for (size_t r = 0; r < count; ++r, y += self->inner_) {
      self->piece(self->a_ + oa, self->b_ + ob, y, self->inner_);
      for (int k = outer - 1; k >= 0; --k) {
        oa += self->a_strides_[k];
        ob += self->b_strides_[k];
        if (++index[k] < self->dims_[k]) break;
        oa -= self->a_strides_[k] * self->dims_[k];
        ob -= self->b_strides_[k] * self->dims_[k];
        index[k] = 0;
      }
    }
  }

  const float* a_ = nullptr;
  const float* b_ = nullptr;
  float* y_ = nullptr;
  size_t numel_ = 0, inner_ = 1, rows_ = 1, row_tile_ = 1;
  const TensorView* y_view_ = nullptr;  // the session's view of y
  size_t max_rows0_ = 1, current_rows0_ = 1, max_dims0_ = 1, max_numel_ = 0;
  int rank_ = 0;
  size_t dims_[kMaxRank] = {0};
  size_t a_strides_[kMaxRank] = {0};
  size_t b_strides_[kMaxRank] = {0};
  bool in_a_[kMaxRank] = {false};
  bool in_b_[kMaxRank] = {false};
  f32_vbinary_fn kernel_ = nullptr;
  bool swap_ = false;
  BinaryParams params_{};
  f32_vunary_fn post_ = nullptr;
  UnaryParams post_params_;
};

}  // namespace

bool binary_supported(const OpSignature& op) {
  if (!op.op || op.num_inputs != 2 || op.num_outputs != 1 || !op.op->options_as_BinaryOptions())
    return false;
  switch (op.op->type()) {
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
      break;
    default:
      return false;
  }
  const TensorView* a = op.inputs[0];
  const TensorView* b = op.inputs[1];
  const TensorView* y = op.outputs[0];
  const fb::Activation* fused = op.op->options_as_BinaryOptions()->fused();
  return a && b && y && a->dtype == DType::F32 && b->dtype == DType::F32 &&
         y->dtype == DType::F32 &&
         (!fused || f32_vunary_kernel(fused->kind(), CpuFeatures()) != nullptr);
}

Result<std::unique_ptr<CpuOp>> create_binary_op(const OpSignature& op,
                                                const CpuOpContext& context) {
  if (!binary_supported(op))
    return Status::error(Code::kUnsupported, "cpu: %s not supported", op_display_name(*op.op));
  std::unique_ptr<BinaryOpImpl> result(new (std::nothrow) BinaryOpImpl());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op, context));
  return std::unique_ptr<CpuOp>(std::move(result));
}

}  // namespace sprig::cpu
