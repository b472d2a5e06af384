#include "backends/reference/kernels/reshape.h"

#include <cstring>

#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {

Status f32_reshape__ref(const TensorView& x, const TensorView& y) {
  const int64_t numel = x.shape.numel();
  if (numel != y.shape.numel())
    return Status::error(Code::kInvalidArgument,
                         "f32_reshape__ref: input %s and output %s differ "
                         "in element count",
                         ShapeText(x.shape).text, ShapeText(y.shape).text);
  if (numel > 0 && x.data != y.data)
    std::memmove(y.data, x.data, static_cast<size_t>(numel) * sizeof(float));
  return Status::ok_status();
}

}  // namespace sprig::reference
