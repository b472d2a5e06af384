// Mean over a set of axes.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y = mean of x over options.axes (sorted, unique, in [0, rank)); with keep_dims the reduced axes
// stay as size 1, otherwise they are dropped. Reducing over zero elements gives NaN, as numpy does.
// Errors: kInvalidArgument when the axes or y's shape do not fit. y must not overlap x.
Status f32_reduce_mean__ref(const TensorView& x, const fb::ReduceMeanOptions& options,
                            const TensorView& y);

}  // namespace sprig::reference
