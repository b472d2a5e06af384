// Softmax along one axis.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y = exp(x - max) / sum(exp(x - max)) along options.axis (negative counts from the end), with the
// max taken along the same axis for numerical stability. y has x's shape and may be x itself.
// Errors: kInvalidArgument when the axis or shapes do not fit.
Status f32_softmax__ref(const TensorView& x, const fb::SoftmaxOptions& options,
                        const TensorView& y);

}  // namespace sprig::reference
