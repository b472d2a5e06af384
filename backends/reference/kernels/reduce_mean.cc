#include "backends/reference/kernels/reduce_mean.h"

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

// x's dims split into the kept and the reduced ones, each with its strides in x.
struct ReduceSplit {
  int kept_rank = 0;
  int64_t kept_dims[kMaxRank] = {0};
  int64_t kept_strides[kMaxRank] = {0};
  int reduced_rank = 0;
  int64_t reduced_dims[kMaxRank] = {0};
  int64_t reduced_strides[kMaxRank] = {0};
};

bool split_axes(const Shape& x, const fb::ReduceMeanOptions& o, const Shape& y, ReduceSplit* s) {
  const auto* axes = o.axes();
  if (!axes || axes->size() == 0 || axes->size() > static_cast<uint32_t>(x.rank)) return false;
  int64_t strides[kMaxRank];
  row_major_strides(x.dims, x.rank, strides);
  Shape expected;
  uint32_t next_axis = 0;
  for (int d = 0; d < x.rank; ++d) {
    const bool reduced = next_axis < axes->size() && axes->Get(next_axis) == d;
    if (reduced) {
      ++next_axis;
      s->reduced_dims[s->reduced_rank] = x[d];
      s->reduced_strides[s->reduced_rank++] = strides[d];
      if (o.keep_dims()) expected[expected.rank++] = 1;
    } else {
      s->kept_dims[s->kept_rank] = x[d];
      s->kept_strides[s->kept_rank++] = strides[d];
      expected[expected.rank++] = x[d];
    }
  }
  return next_axis == axes->size() && expected == y;
}

}  // namespace

Status f32_reduce_mean__ref(const TensorView& x, const fb::ReduceMeanOptions& options,
                            const TensorView& y) {
  ReduceSplit split;
  if (!split_axes(x.shape, options, y.shape, &split))
    return Status::error(Code::kInvalidArgument,
                         "f32_reduce_mean__ref: axes do not fit input %s and output %s",
                         ShapeText(x.shape).text, ShapeText(y.shape).text);
  const int64_t kept = dims_product(split.kept_dims, 0, split.kept_rank);
  const int64_t count = dims_product(split.reduced_dims, 0, split.reduced_rank);
  if (kept == 0) return Status::ok_status();
  const float* in = x.f32();
  float* out = y.f32();
  OffsetWalker<1> outer(split.kept_dims, split.kept_rank);
  outer.set_strides(0, split.kept_strides);
  do {
    float sum = 0.0f;
    if (count > 0) {
      OffsetWalker<1> inner(split.reduced_dims, split.reduced_rank);
      inner.set_strides(0, split.reduced_strides);
      const float* base = in + outer.offset(0);
      do sum += base[inner.offset(0)];
      while (inner.next());
    }
    *out++ = sum / static_cast<float>(count);
  } while (outer.next());
  return Status::ok_status();
}

}  // namespace sprig::reference
