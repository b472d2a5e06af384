// Reshape: the elements unchanged in row-major order under a new shape.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// Copies x's elements into y (same element count; kInvalidArgument otherwise). y may overlap x.
Status f32_reshape__ref(const TensorView& x, const TensorView& y);

}  // namespace sprig::reference
