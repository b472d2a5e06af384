#include "backends/reference/kernels/pad.h"

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

bool pad_fits(const Shape& x, const fb::PadOptions& o, const Shape& y, int64_t* begins) {
  const auto* pads = o.pads();
  const uint32_t rank = static_cast<uint32_t>(x.rank);
  if (!pads || pads->size() != 2 * rank || y.rank != x.rank) return false;
  for (int d = 0; d < x.rank; ++d) {
    const int64_t begin = pads->Get(static_cast<uint32_t>(d));
    const int64_t end = pads->Get(static_cast<uint32_t>(d) + rank);
    if (begin < 0 || end < 0 || y[d] != x[d] + begin + end) return false;
    if (o.mode() != fb::PadMode::Constant && x[d] == 0 && y[d] > 0) return false;
    begins[d] = begin;
  }
  return true;
}

// The x index an output index maps to along one axis, or -1 for the constant value.
int64_t source_index(int64_t out_index, int64_t begin, int64_t size, fb::PadMode mode) {
  int64_t i = out_index - begin;
  if (i >= 0 && i < size) return i;
  if (mode == fb::PadMode::Edge) return i < 0 ? 0 : size - 1;
  if (mode == fb::PadMode::Reflect) {
    if (size == 1) return 0;
    const int64_t period = 2 * (size - 1);
    i %= period;
    if (i < 0) i += period;
    return i < size ? i : period - i;
  }
  return -1;
}

}  // namespace

Status f32_pad__ref(const TensorView& x, const fb::PadOptions& options, const TensorView& y) {
  int64_t begins[kMaxRank];
  if (!pad_fits(x.shape, options, y.shape, begins))
    return Status::error(Code::kInvalidArgument,
                         "f32_pad__ref: pads do not map input %s to output "
                         "%s",
                         ShapeText(x.shape).text, ShapeText(y.shape).text);
  const Shape& xs = x.shape;
  const Shape& ys = y.shape;
  if (ys.numel() == 0) return Status::ok_status();
  const float* in = x.f32();
  float* out = y.f32();
  const fb::PadMode mode = options.mode();
  if (ys.rank == 0) {
    out[0] = in[0];
    return Status::ok_status();
  }
  int64_t x_strides[kMaxRank];
  row_major_strides(xs.dims, xs.rank, x_strides);
  const int last = ys.rank - 1;
  OffsetWalker<1> rows(ys.dims, last);
  do {
    int64_t base = 0;
    bool constant_row = false;
    for (int d = 0; d < last; ++d) {
      const int64_t i = source_index(rows.index(d), begins[d], xs[d], mode);
      if (i < 0) constant_row = true;
      base += i * x_strides[d];
    }
    for (int64_t j = 0; j < ys[last]; ++j) {
      const int64_t i = constant_row ? -1 : source_index(j, begins[last], xs[last], mode);
      out[j] = i < 0 ? options.value() : in[base + i];
    }
    out += ys[last];
  } while (rows.next());
  return Status::ok_status();
}

}  // namespace sprig::reference
