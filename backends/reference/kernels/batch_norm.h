// Batch normalization with running statistics (inference form), along any axis.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y = (x - mean[c]) * scale[c] / sqrt(var[c] + epsilon) + bias[c], with c the index of each element
// along options.axis of x (negative counts from the end). scale, bias, mean and var hold C values.
// Errors: kInvalidArgument when the shapes or the axis do not fit. y may be x itself.
Status f32_batch_norm__ref(const TensorView& x, const TensorView& scale, const TensorView& bias,
                           const TensorView& mean, const TensorView& var,
                           const fb::BatchNormOptions& options, const TensorView& y);

}  // namespace sprig::reference
