// 2-D convolution on NHWC activations (grouped and depthwise included).
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// x [N,H,W,C], w [O,KH,KW,C/groups], bias [O] or null, y [N,OH,OW,O] (OH and OW taken from y):
//   y[n,oh,ow,o] = act(bias[o] + sum_{kh,kw,c} x[n, oh*stride_h - pad_top + kh*dilation_h,
//                                            ow*stride_w - pad_left + kw*dilation_w, g*C/groups +
//                                            c]
//                                         * w[o,kh,kw,c])
// with g = o / (O/groups); taps outside the input add nothing. Depthwise is groups == C.
// Errors: kInvalidArgument when the shapes or options are inconsistent. y must not overlap x.
Status f32_conv2d_nhwc__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                            const fb::Conv2DOptions& options, const TensorView& y);

}  // namespace sprig::reference
