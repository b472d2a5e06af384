#include "backends/reference/kernels/global_average_pool.h"

#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {

Status f32_global_average_pool_nhwc__ref(const TensorView& x, const TensorView& y) {
  const Shape& xs = x.shape;
  const Shape& ys = y.shape;
  if (xs.rank != 4 || ys.rank != 4 || ys[0] != xs[0] || ys[1] != 1 || ys[2] != 1 || ys[3] != xs[3])
    return Status::error(Code::kInvalidArgument,
                         "f32_global_average_pool_nhwc__ref: input %s, output %s do not fit",
                         ShapeText(xs).text, ShapeText(ys).text);
  const int64_t pixels = xs[1] * xs[2];
  const int64_t channels = xs[3];
  for (int64_t n = 0; n < xs[0]; ++n) {
    const float* in = x.f32() + n * pixels * channels;
    float* out = y.f32() + n * channels;
    for (int64_t c = 0; c < channels; ++c) out[c] = 0.0f;
    for (int64_t p = 0; p < pixels; ++p)
      for (int64_t c = 0; c < channels; ++c) out[c] += in[p * channels + c];
    if (pixels > 0)
      for (int64_t c = 0; c < channels; ++c) out[c] /= static_cast<float>(pixels);
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
