// Fully connected layer: x [..., K] times w [N, K] transposed.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// x [..., K], w [N, K], bias [N] or null, y [..., N]:
//   y[r, n] = act(bias[n] + sum_k x[r, k] * w[n, k]) for every row r of x.
// Errors: kInvalidArgument when the shapes do not fit. y must not overlap x.
Status f32_fully_connected__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                                const fb::FullyConnectedOptions& options, const TensorView& y);

}  // namespace sprig::reference
