// Reference kernels of the full-integer int8 ops, written straight from runtime/core/int8_arith.h:
// every optimized int8 kernel is tested bit for bit against these. Tensors are as check_op accepts
// them for an int8 op (runtime/ops/int8_op_check.h).
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

Status int8_quantize__ref(const TensorView& x, const TensorView& y);
Status int8_dequantize__ref(const TensorView& x, const TensorView& y);
Status int8_conv2d_nhwc__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                             const fb::Conv2DOptions& options, const TensorView& y);
Status int8_fully_connected__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                                 const fb::FullyConnectedOptions& options, const TensorView& y);
Status int8_add__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                     const TensorView& y);
Status int8_max_pool2d_nhwc__ref(const TensorView& x, const fb::Pool2DOptions& options,
                                 const TensorView& y);
Status int8_global_average_pool_nhwc__ref(const TensorView& x, const TensorView& y);
Status int8_reshape__ref(const TensorView& x, const TensorView& y);

}  // namespace sprig::reference
