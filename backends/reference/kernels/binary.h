// Elementwise Add, Sub, Mul and Div with numpy broadcasting (up to kMaxRank dims) and an optional
// fused activation.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y = act(a OP b), where y's shape is the numpy broadcast of a's and b's shapes. fused may be null.
// Errors: kInvalidArgument when a or b does not broadcast to y. y may be a or b itself when it has
// that operand's shape.
Status f32_add__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y);
Status f32_sub__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y);
Status f32_mul__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y);
Status f32_div__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                    const TensorView& y);

}  // namespace sprig::reference
