#include "backends/reference/kernels/activation.h"

#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {

Status f32_activation__ref(const TensorView& x, const fb::Activation* activation,
                           const TensorView& y) {
  if (x.shape != y.shape)
    return Status::error(Code::kInvalidArgument, "f32_activation__ref: output shape %s != input %s",
                         ShapeText(y.shape).text, ShapeText(x.shape).text);
  const float* in = x.f32();
  float* out = y.f32();
  const int64_t n = x.shape.numel();
  for (int64_t i = 0; i < n; ++i) out[i] = apply_activation(activation, in[i]);
  return Status::ok_status();
}

}  // namespace sprig::reference
