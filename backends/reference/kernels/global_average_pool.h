// Global average pooling on NHWC activations.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// x [N,H,W,C] -> y [N,1,1,C]: y[n,0,0,c] = mean over h, w of x[n,h,w,c] (0 when H*W == 0).
// Errors: kInvalidArgument when the shapes do not fit. y must not overlap x.
Status f32_global_average_pool_nhwc__ref(const TensorView& x, const TensorView& y);

}  // namespace sprig::reference
