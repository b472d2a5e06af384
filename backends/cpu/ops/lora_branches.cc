#include "backends/cpu/ops/lora_branches.h"

#include <limits>

#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

FloatMatrix matrix_of(const TensorView& t) {
  FloatMatrix m;
  m.n = static_cast<size_t>(t.shape[0]);
  m.k = static_cast<size_t>(t.shape[1]);
  if (t.dtype == DType::F16)
    m.f16 = t.as<const uint16_t>();
  else
    m.f32 = t.f32();
  return m;
}

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr size_t kSerialWork = 64 * 1024;  // multiply-adds below which one thread runs

}  // namespace

void LoraBranches::init(size_t n, size_t k, size_t max_rows, const CpuFeatures& features,
                        OutputClamp clamp) {
  n_ = n;
  k_ = k;
  max_rows_ = max_rows;
  kernels_ = select_fgemv_kernels(features);
  clamp_ = clamp;
}

Status LoraBranches::set(const LoraBranch* branches, int count) {
  size_t ranks = 0;
  for (int i = 0; i < count; ++i) {
    const LoraBranch& b = branches[i];
    const bool dtypes = (b.a->dtype == DType::F32 || b.a->dtype == DType::F16) &&
                        (b.b->dtype == DType::F32 || b.b->dtype == DType::F16);
    if (!dtypes || b.a->shape.rank != 2 || b.b->shape.rank != 2 ||
        b.a->shape[1] != static_cast<int64_t>(k_) || b.b->shape[0] != static_cast<int64_t>(n_) ||
        b.a->shape[0] != b.b->shape[1] || b.a->shape[0] < 1)
      return Status::error(Code::kInvalidArgument,
                           "cpu: LoRA A %s [%lld, %lld] and B %s [%lld, %lld] do not fit weights [%zu, %zu]",
                           dtype_name(b.a->dtype), static_cast<long long>(b.a->shape[0]),
                           static_cast<long long>(b.a->shape[1]), dtype_name(b.b->dtype),
                           static_cast<long long>(b.b->shape[0]), static_cast<long long>(b.b->shape[1]),
                           n_, k_);
    ranks += static_cast<size_t>(b.a->shape[0]);
  }
  AlignedBuffer t;
  if (ranks > 0 && !t.allocate(max_rows_ * ranks * sizeof(float)))
    return Status(Code::kOutOfMemory, "cpu: no memory for a LoRA branch");
  branches_.assign(branches, branches + count);
  t_ = std::move(t);
  return Status::ok_status();
}

void LoraBranches::add(const float* x, size_t rows, float* y, pthreadpool_t pool) {
  float* t = t_.as<float>();
  for (const LoraBranch& branch : branches_) {
    const FloatMatrix a = matrix_of(*branch.a);
    FGemvArgs a_args;
    a_args.x = x;
    a_args.x_stride = k_;
    a_args.rows = rows;
    a_args.y = t;
    a_args.y_stride = a.n;
    a_args.min = -kInf;
    a_args.max = kInf;
    (a.f16 != nullptr ? kernels_.f16 : kernels_.f32)(a, a_args, 0, a.n);

    b_ = matrix_of(*branch.b);
    b_kernel_ = b_.f16 != nullptr ? kernels_.f16 : kernels_.f32;
    b_args_ = FGemvArgs();
    b_args_.x = t;
    b_args_.x_stride = a.n;
    b_args_.rows = rows;
    b_args_.y = y;
    b_args_.y_stride = n_;
    const bool last = &branch == &branches_.back();
    b_args_.min = last ? clamp_.min : -kInf;
    b_args_.max = last ? clamp_.max : kInf;
    b_args_.scale = branch.scaling;
    b_args_.accumulate = true;
    const size_t work = n_ * a.n * rows;
    pthreadpool_parallelize_1d_tile_1d(work < kSerialWork ? nullptr : pool, b_task, this, n_,
                                       std::max<size_t>(16, n_ / 8), kParallelFlags);
    t += max_rows_ * a.n;
  }
}

void LoraBranches::b_task(void* context, size_t n0, size_t count) {
  const auto* self = static_cast<const LoraBranches*>(context);
  self->b_kernel_(self->b_, self->b_args_, n0, n0 + count);
}

}  // namespace sprig::cpu
