#include "backends/reference/kernels/binary.h"

#include "backends/reference/kernels/activation.h"
#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

template <typename Op>
Status f32_binary_broadcast(const char* kernel, const TensorView& a, const TensorView& b,
                            const fb::Activation* fused, const TensorView& y, Op op) {
  const Shape& ys = y.shape;
  int64_t a_strides[kMaxRank];
  int64_t b_strides[kMaxRank];
  if (!broadcast_strides(a.shape.dims, a.shape.rank, 1, ys.dims, ys.rank, a_strides) ||
      !broadcast_strides(b.shape.dims, b.shape.rank, 1, ys.dims, ys.rank, b_strides))
    return Status::error(Code::kInvalidArgument, "%s: a %s and b %s do not broadcast to output %s",
                         kernel, ShapeText(a.shape).text, ShapeText(b.shape).text,
                         ShapeText(ys).text);
  const float* a_data = a.f32();
  const float* b_data = b.f32();
  float* out = y.f32();
  if (ys.rank == 0) {
    out[0] = apply_activation(fused, op(a_data[0], b_data[0]));
    return Status::ok_status();
  }
  if (ys.numel() == 0) return Status::ok_status();
  const int last = ys.rank - 1;
  const int64_t inner = ys[last];
  const int64_t a_step = a_strides[last];
  const int64_t b_step = b_strides[last];
  OffsetWalker<2> walker(ys.dims, last);
  walker.set_strides(0, a_strides);
  walker.set_strides(1, b_strides);
  do {
    const float* a_row = a_data + walker.offset(0);
    const float* b_row = b_data + walker.offset(1);
    for (int64_t i = 0; i < inner; ++i)
      out[i] = apply_activation(fused, op(a_row[i * a_step], b_row[i * b_step]));
    out += inner;
  } while (walker.next());
  return Status::ok_status();
}

}  // namespace

Status f32_add__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y) {
  return f32_binary_broadcast("f32_add__ref", a, b, fused, y,
                              [](float p, float q) { return p + q; });
}

Status f32_sub__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y) {
  return f32_binary_broadcast("f32_sub__ref", a, b, fused, y,
                              [](float p, float q) { return p - q; });
}

Status f32_mul__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y) {
  return f32_binary_broadcast("f32_mul__ref", a, b, fused, y,
                              [](float p, float q) { return p * q; });
}

Status f32_div__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y) {
  return f32_binary_broadcast("f32_div__ref", a, b, fused, y,
                              [](float p, float q) { return p / q; });
}

}  // namespace sprig::reference
