#include "backends/reference/kernels/softmax.h"

#include <cmath>

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {

Status f32_softmax__ref(const TensorView& x, const fb::SoftmaxOptions& options,
                        const TensorView& y) {
  const Shape& xs = x.shape;
  const int axis = options.axis() < 0 ? options.axis() + xs.rank : options.axis();
  if (axis < 0 || axis >= xs.rank || y.shape != xs)
    return Status::error(Code::kInvalidArgument,
                         "f32_softmax__ref: axis %d, input %s, output %s "
                         "do not fit",
                         options.axis(), ShapeText(xs).text, ShapeText(y.shape).text);
  const int64_t outer = dims_product(xs.dims, 0, axis);
  const int64_t length = xs[axis];
  const int64_t inner = dims_product(xs.dims, axis + 1, xs.rank);
  const float* in = x.f32();
  float* out = y.f32();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * length * inner + i;
      float max = -INFINITY;
      for (int64_t c = 0; c < length; ++c) max = std::fmax(max, in[base + c * inner]);
      float sum = 0.0f;
      for (int64_t c = 0; c < length; ++c) {
        const float e = std::exp(in[base + c * inner] - max);
        out[base + c * inner] = e;
        sum += e;
      }
      for (int64_t c = 0; c < length; ++c) out[base + c * inner] /= sum;
    }
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
