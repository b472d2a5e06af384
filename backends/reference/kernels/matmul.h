// Batched matrix product with numpy semantics (numpy.matmul).
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// a [..., M, K] times b [..., K, N] -> y [..., M, N]; the batch dims broadcast as numpy does. A
// 1-D a is [K] treated as [1, K] with M dropped from y; a 1-D b is [K] treated as [K, 1] with N
// dropped. Errors: kInvalidArgument when the shapes do not fit. y must not overlap a or b.
Status f32_matmul__ref(const TensorView& a, const TensorView& b, const TensorView& y);

}  // namespace sprig::reference
