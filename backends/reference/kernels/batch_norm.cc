#include "backends/reference/kernels/batch_norm.h"

#include <cmath>

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {

Status f32_batch_norm__ref(const TensorView& x, const TensorView& scale, const TensorView& bias,
                           const TensorView& mean, const TensorView& var,
                           const fb::BatchNormOptions& options, const TensorView& y) {
  const Shape& xs = x.shape;
  const int rank = xs.rank;
  const int axis = options.axis() < 0 ? options.axis() + rank : options.axis();
  if (axis < 0 || axis >= rank || y.shape != xs)
    return Status::error(Code::kInvalidArgument,
                         "f32_batch_norm__ref: axis %d, input %s, output %s do not fit",
                         options.axis(), ShapeText(xs).text, ShapeText(y.shape).text);
  const int64_t channels = xs[axis];
  const TensorView* params[] = {&scale, &bias, &mean, &var};
  for (const TensorView* p : params)
    if (p->shape.numel() != channels)
      return Status::error(Code::kInvalidArgument,
                           "f32_batch_norm__ref: parameter shape %s does not match %lld channels",
                           ShapeText(p->shape).text, static_cast<long long>(channels));
  const int64_t outer = dims_product(xs.dims, 0, axis);
  const int64_t inner = dims_product(xs.dims, axis + 1, rank);
  const float* in = x.f32();
  float* out = y.f32();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t c = 0; c < channels; ++c) {
      const float factor = scale.f32()[c] / std::sqrt(var.f32()[c] + options.epsilon());
      const float shift = bias.f32()[c];
      const float m = mean.f32()[c];
      const int64_t base = (o * channels + c) * inner;
      for (int64_t i = 0; i < inner; ++i) out[base + i] = (in[base + i] - m) * factor + shift;
    }
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
