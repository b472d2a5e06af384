// Transpose of 4-byte elements. At creation the axes are simplified: size-1 axes dropped, and
// output axes that stay neighbours in the input merged. Then either the last output axis is
// contiguous in the input (copies of whole runs), or it is not, and the output axis that is
// contiguous in the input (axis b) and the last one (axis a) are walked in kBlock x kBlock tiles,
// so that each input cache line read serves a whole tile row (NCHW -> NHWC of a model's input:
// reads of C planes in parallel instead of one float per line).
#include <cstring>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

constexpr size_t kBlock = 32;

// The output's axes after simplification: dims, the input stride of each (elements), and the
// output stride of each (elements, row-major over dims).
struct Axes {
  int rank = 0;
  size_t dims[kMaxRank] = {};
  size_t x_strides[kMaxRank] = {};
  size_t y_strides[kMaxRank] = {};
};

Axes simplify(const Shape& x, const fb::TransposeOptions& options) {
  size_t x_strides[kMaxRank];
  size_t stride = 1;
  for (int d = x.rank - 1; d >= 0; --d) {
    x_strides[d] = stride;
    stride *= static_cast<size_t>(x[d]);
  }
  Axes axes;
  for (int d = 0; d < x.rank; ++d) {
    const int p = options.perm()->Get(static_cast<uint32_t>(d));
    const size_t dim = static_cast<size_t>(x[p]);
    if (dim == 1) continue;
    // Merge into the previous output axis when this one follows it in the input.
    if (axes.rank > 0 && axes.x_strides[axes.rank - 1] == x_strides[p] * dim) {
      axes.dims[axes.rank - 1] *= dim;
      axes.x_strides[axes.rank - 1] = x_strides[p];
      continue;
    }
    axes.dims[axes.rank] = dim;
    axes.x_strides[axes.rank] = x_strides[p];
    ++axes.rank;
  }
  if (axes.rank == 0) {  // one element
    axes.rank = 1;
    axes.dims[0] = 1;
    axes.x_strides[0] = 1;
  }
  size_t y_stride = 1;
  for (int d = axes.rank - 1; d >= 0; --d) {
    axes.y_strides[d] = y_stride;
    y_stride *= axes.dims[d];
  }
  return axes;
}

class TransposeOp final : public CpuOp {
 public:
  TransposeOp(const Axes& axes, const float* x, float* y) : axes_(axes), x_(x), y_(y) {
    const int last = axes_.rank - 1;
    contiguous_ = axes_.x_strides[last] == 1;
    b_ = last;
    for (int d = 0; d < last; ++d)
      if (axes_.x_strides[d] == 1) b_ = d;
    // Outer axes: all but the last, and but b when tiling.
    for (int d = 0; d < last; ++d) {
      if (!contiguous_ && d == b_) continue;
      outer_[outer_rank_++] = d;
    }
    outer_count_ = 1;
    for (int i = 0; i < outer_rank_; ++i) outer_count_ *= axes_.dims[outer_[i]];
    b_tiles_ = contiguous_ ? 1 : (axes_.dims[b_] + kBlock - 1) / kBlock;
    elements_ = outer_count_ * axes_.dims[last] * (contiguous_ ? 1 : axes_.dims[b_]);
  }

  void run(void*, pthreadpool_t pool) override {
    pthreadpool_parallelize_2d(pool_for(pool, elements_), &TransposeOp::task, this, outer_count_,
                               b_tiles_, kParallelFlags);
  }

 private:
  static void task(void* context, size_t outer, size_t b_tile) {
    static_cast<const TransposeOp*>(context)->compute(outer, b_tile);
  }

  void compute(size_t outer, size_t b_tile) const {
    size_t x_offset = 0, y_offset = 0;
    for (int i = outer_rank_ - 1; i >= 0; --i) {
      const int d = outer_[i];
      const size_t index = outer % axes_.dims[d];
      outer /= axes_.dims[d];
      x_offset += index * axes_.x_strides[d];
      y_offset += index * axes_.y_strides[d];
    }
    const int a = axes_.rank - 1;
    const size_t a_dim = axes_.dims[a];
    if (contiguous_) {
      std::memcpy(y_ + y_offset, x_ + x_offset, a_dim * sizeof(float));
      return;
    }
    const size_t a_stride = axes_.x_strides[a], b_y_stride = axes_.y_strides[b_];
    const size_t b0 = b_tile * kBlock;
    const size_t b1 = b0 + kBlock < axes_.dims[b_] ? b0 + kBlock : axes_.dims[b_];
    const float* x = x_ + x_offset;
    float* y = y_ + y_offset;
    if (b_y_stride == a_dim) {  // b is the next-to-last output axis: short rows, fully unrolled
      switch (a_dim) {
        case 2:
          return interleave<2>(x, a_stride, y, b0, b1);
        case 3:
          return interleave<3>(x, a_stride, y, b0, b1);
        case 4:
          return interleave<4>(x, a_stride, y, b0, b1);
        default:
          break;
      }
    }
    for (size_t a0 = 0; a0 < a_dim; a0 += kBlock) {
      const size_t a1 = a0 + kBlock < a_dim ? a0 + kBlock : a_dim;
      for (size_t i = b0; i < b1; ++i)
        for (size_t j = a0; j < a1; ++j) y[i * b_y_stride + j] = x[i + j * a_stride];
    }
  }

  // y[i * kA + j] = x[i + j * a_stride] for i in [b0, b1), j < kA (NCHW -> NHWC with C = kA).
  template <size_t kA>
  static void interleave(const float* x, size_t a_stride, float* y, size_t b0, size_t b1) {
    for (size_t i = b0; i < b1; ++i)
      for (size_t j = 0; j < kA; ++j) y[i * kA + j] = x[i + j * a_stride];
  }

  Axes axes_;
  const float* x_;
  float* y_;
  bool contiguous_ = false;
  int b_ = 0;
  int outer_[kMaxRank] = {};
  int outer_rank_ = 0;
  size_t outer_count_ = 1, b_tiles_ = 1, elements_ = 0;
};

}  // namespace

bool transpose_supported(const OpSignature& op) {
  if (op.op == nullptr || op.op->type() != fb::OpType::Transpose || op.num_inputs != 1 ||
      op.num_outputs != 1 || op.inputs[0] == nullptr || op.outputs[0] == nullptr)
    return false;
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  const fb::TransposeOptions* options = op.op->options_as_TransposeOptions();
  if (options == nullptr || options->perm() == nullptr || x.dtype != y.dtype ||
      dtype_bits(x.dtype) != 32 || x.shape.rank != y.shape.rank ||
      options->perm()->size() != static_cast<uint32_t>(x.shape.rank))
    return false;
  bool used[kMaxRank] = {false};
  for (int d = 0; d < x.shape.rank; ++d) {
    const int p = options->perm()->Get(static_cast<uint32_t>(d));
    if (p < 0 || p >= x.shape.rank || used[p] || y.shape[d] != x.shape[p]) return false;
    used[p] = true;
  }
  return true;
}

Result<std::unique_ptr<CpuOp>> create_transpose_op(const OpSignature& op, const CpuOpContext&) {
  if (!transpose_supported(op))
    return Status::error(Code::kUnsupported, "cpu: Transpose shape, perm or dtype not supported");
  const TensorView& x = *op.inputs[0];
  const TensorView& y = *op.outputs[0];
  if (x.shape.numel() > 0 && (x.data == nullptr || y.data == nullptr))
    return Status(Code::kInvalidArgument, "cpu: Transpose tensor without data");
  const Axes axes = simplify(x.shape, *op.op->options_as_TransposeOptions());
  std::unique_ptr<CpuOp> result(new (std::nothrow)
                                    TransposeOp(axes, x.as<const float>(), y.as<float>()));
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  return result;
}

}  // namespace sprig::cpu
