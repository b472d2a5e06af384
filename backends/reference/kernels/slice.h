// Strided slice (negative steps included).
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// Along every axis d, y[.., i, ..] = x[.., starts[d] + i * steps[d], ..]; y's shape gives the
// counts. Errors: kInvalidArgument when starts/steps have the wrong length, a step is 0, or some
// output index would read outside x. y must not overlap x.
Status f32_slice__ref(const TensorView& x, const fb::SliceOptions& options, const TensorView& y);

}  // namespace sprig::reference
