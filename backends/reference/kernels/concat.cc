#include "backends/reference/kernels/concat.h"

#include <cstring>

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

bool concat_fits(const TensorView* const* inputs, int count, int axis, const Shape& y) {
  if (count < 1 || axis < 0 || axis >= y.rank) return false;
  int64_t total = 0;
  for (int i = 0; i < count; ++i) {
    const Shape& s = inputs[i]->shape;
    if (s.rank != y.rank) return false;
    for (int d = 0; d < y.rank; ++d)
      if (d != axis && s[d] != y[d]) return false;
    total += s[axis];
  }
  return total == y[axis];
}

}  // namespace

Status f32_concat__ref(const TensorView* const* inputs, int count, const fb::ConcatOptions& options,
                       const TensorView& y) {
  const Shape& ys = y.shape;
  const int axis = options.axis() < 0 ? options.axis() + ys.rank : options.axis();
  if (!concat_fits(inputs, count, axis, ys))
    return Status::error(Code::kInvalidArgument,
                         "f32_concat__ref: %d inputs do not join into %s "
                         "along axis %d",
                         count, ShapeText(ys).text, options.axis());
  const int64_t outer = dims_product(ys.dims, 0, axis);
  const int64_t inner = dims_product(ys.dims, axis + 1, ys.rank);
  float* out = y.f32();
  for (int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < count; ++i) {
      const int64_t block = inputs[i]->shape[axis] * inner;
      if (block == 0) continue;
      std::memcpy(out, inputs[i]->f32() + o * block, static_cast<size_t>(block) * sizeof(float));
      out += block;
    }
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
