#include "backends/reference/kernels/slice.h"

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

// The x offset of y's first element and, per y axis, the x stride of one output step; false when
// some output index would read outside x.
bool slice_strides(const Shape& x, const fb::SliceOptions& o, const Shape& y, int64_t* base,
                   int64_t* strides) {
  const uint32_t rank = static_cast<uint32_t>(x.rank);
  if (!o.starts() || !o.steps() || o.starts()->size() != rank || o.steps()->size() != rank ||
      y.rank != x.rank)
    return false;
  int64_t x_strides[kMaxRank];
  row_major_strides(x.dims, x.rank, x_strides);
  *base = 0;
  for (int d = 0; d < x.rank; ++d) {
    const int64_t start = o.starts()->Get(static_cast<uint32_t>(d));
    const int64_t step = o.steps()->Get(static_cast<uint32_t>(d));
    if (step == 0) return false;
    if (y[d] > 0) {
      int64_t last;
      if (start < 0 || start >= x[d] || __builtin_mul_overflow(y[d] - 1, step, &last) ||
          __builtin_add_overflow(last, start, &last) || last < 0 || last >= x[d])
        return false;
      *base += start * x_strides[d];
    }
    strides[d] = y[d] > 1 ? step * x_strides[d] : 0;
  }
  return true;
}

}  // namespace

Status f32_slice__ref(const TensorView& x, const fb::SliceOptions& options, const TensorView& y) {
  int64_t base = 0;
  int64_t strides[kMaxRank];
  if (!slice_strides(x.shape, options, y.shape, &base, strides))
    return Status::error(Code::kInvalidArgument,
                         "f32_slice__ref: starts/steps do not map input %s "
                         "to output %s",
                         ShapeText(x.shape).text, ShapeText(y.shape).text);
  const Shape& ys = y.shape;
  if (ys.numel() == 0) return Status::ok_status();
  const float* in = x.f32() + base;
  float* out = y.f32();
  if (ys.rank == 0) {
    out[0] = in[0];
    return Status::ok_status();
  }
  const int last = ys.rank - 1;
  const int64_t step = strides[last];
  OffsetWalker<1> walker(ys.dims, last);
  walker.set_strides(0, strides);
  do {
    const float* row = in + walker.offset(0);
    for (int64_t i = 0; i < ys[last]; ++i) out[i] = row[i * step];
    out += ys[last];
  } while (walker.next());
  return Status::ok_status();
}

}  // namespace sprig::reference
