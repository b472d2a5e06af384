// The dtype rules of full-integer int8 ops (runtime/core/int8_arith.h): which ops take I8
// activations, and what their weights, bias and output must be.
#pragma once

#include "runtime/ops/op_check.h"

namespace sprig {

// Quantize, Dequantize, and any op whose input 0 is I8.
bool is_int8_op(const OpSignature& op);

// For an int8 op whose tensors are otherwise well formed: kUnsupported for an op or fused
// activation that has no int8 form, kInvalidModel for a tensor without the quantization int8 needs.
// The message names the tensor but not the op (check_op puts the op in front).
Status check_int8_dtypes(const OpSignature& op);

}  // namespace sprig
