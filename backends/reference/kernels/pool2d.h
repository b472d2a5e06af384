// Max and average pooling on NHWC activations.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// x [N,H,W,C] -> y [N,OH,OW,C], OH and OW taken from y (so ceil-mode outputs work). The window of
// output (oh, ow) covers rows oh*stride_h - pad_top + kh*dilation_h (kh < kernel_h), likewise for
// columns; only positions inside the input are read.
//
// Max: the largest value read (NaN wins); a window that reads nothing gives -infinity.
// Average: the sum read divided by, with count_include_pad, the number of window positions inside
// [-pad_top, H + pad_bottom) x [-pad_left, W + pad_right) (positions of a ceil-mode window past the
// bottom/right padding never count), otherwise the number of positions inside the input; a window
// with divisor 0 gives 0.
// Errors: kInvalidArgument when the shapes or options do not fit. y must not overlap x.
Status f32_max_pool2d_nhwc__ref(const TensorView& x, const fb::Pool2DOptions& options,
                                const TensorView& y);
Status f32_average_pool2d_nhwc__ref(const TensorView& x, const fb::Pool2DOptions& options,
                                    const TensorView& y);

}  // namespace sprig::reference
