// Transpose: permutes the axes of a tensor.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y[i_0, ..., i_{r-1}] = x[j] with j[perm[d]] = i_d, so y's dim d is x's dim perm[d].
// Errors: kInvalidArgument when perm is not a permutation of x's axes or y's shape does not
// follow. y must not overlap x.
Status f32_transpose__ref(const TensorView& x, const fb::TransposeOptions& options,
                          const TensorView& y);

}  // namespace sprig::reference
