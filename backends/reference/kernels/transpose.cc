#include "backends/reference/kernels/transpose.h"

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

// x's strides in y's axis order; false when perm or y's shape does not fit.
bool permuted_strides(const Shape& x, const fb::TransposeOptions& o, const Shape& y,
                      int64_t* strides) {
  const auto* perm = o.perm();
  if (!perm || perm->size() != static_cast<uint32_t>(x.rank) || y.rank != x.rank) return false;
  int64_t x_strides[kMaxRank];
  row_major_strides(x.dims, x.rank, x_strides);
  bool used[kMaxRank] = {false};
  for (int d = 0; d < x.rank; ++d) {
    const int p = perm->Get(static_cast<uint32_t>(d));
    if (p < 0 || p >= x.rank || used[p] || y[d] != x[p]) return false;
    used[p] = true;
    strides[d] = x_strides[p];
  }
  return true;
}

}  // namespace

Status f32_transpose__ref(const TensorView& x, const fb::TransposeOptions& options,
                          const TensorView& y) {
  int64_t strides[kMaxRank];
  if (!permuted_strides(x.shape, options, y.shape, strides))
    return Status::error(Code::kInvalidArgument,
                         "f32_transpose__ref: perm does not map input %s to output %s",
                         ShapeText(x.shape).text, ShapeText(y.shape).text);
  const Shape& ys = y.shape;
  if (ys.numel() == 0) return Status::ok_status();
  const float* in = x.f32();
  float* out = y.f32();
  if (ys.rank == 0) {
    out[0] = in[0];
    return Status::ok_status();
  }
  const int last = ys.rank - 1;
  const int64_t inner = ys[last];
  const int64_t step = strides[last];
  OffsetWalker<1> walker(ys.dims, last);
  walker.set_strides(0, strides);
  do {
    const float* row = in + walker.offset(0);
    for (int64_t i = 0; i < inner; ++i) out[i] = row[i * step];
    out += inner;
  } while (walker.next());
  return Status::ok_status();
}

}  // namespace sprig::reference
