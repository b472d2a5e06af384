// Pad with ONNX semantics: constant, reflect or edge.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

// y's dim d is x's dim d + pads[d] + pads[rank + d]. An output index i along d reads x at
// i - pads[d] when that is inside x; outside it, Constant writes options.value, Edge reads the
// nearest edge element, Reflect mirrors about the edge without repeating it (numpy 'reflect':
// [1 2 3] padded by 2 on both sides is [3 2 1 2 3 2 1]).
// Errors: kInvalidArgument when pads or y's shape do not fit, or Edge/Reflect would read an empty
// axis. y must not overlap x.
Status f32_pad__ref(const TensorView& x, const fb::PadOptions& options, const TensorView& y);

}  // namespace sprig::reference
