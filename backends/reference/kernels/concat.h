// Concatenation along one axis.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y = inputs[0..count) joined along options.axis (negative counts from the end); every input has
// y's rank and y's dims except along the axis, where the sizes add up to y's.
// Errors: kInvalidArgument when the shapes do not fit. y must not overlap any input.
Status f32_concat__ref(const TensorView* const* inputs, int count, const fb::ConcatOptions& options,
                       const TensorView& y);

}  // namespace sprig::reference
