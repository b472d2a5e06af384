// Fully connected layer: x [..., K] times w [N, K] transposed.
#pragma once

#include "runtime/core/lora_branch.h"
#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// x [..., K], w [N, K], bias [N] or null, y [..., N]:
//   y[r, n] = act(bias[n] + sum_k x[r, k] * w[n, k] + lora[r, n]) for every row r of x,
// lora[r, n] = sum over the LoRA branches of scaling * sum_j B[n, j] * sum_k A[j, k] x[r, k]
// (A and B F32 or F16), in double. Errors: kInvalidArgument when the shapes do not fit. y must not
// overlap x.
Status f32_fully_connected__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                                const fb::FullyConnectedOptions& options, const TensorView& y,
                                const LoraBranch* lora = nullptr, int lora_count = 0);

}  // namespace sprig::reference
