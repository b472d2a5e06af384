// Run-time leading dimensions (Tensor.dim0_symbol): which ops may read or write tensors whose
// shape[0] the caller shortens at run time, and how those tensors must relate.
//
// An op follows a run-time dimension when it works row by row: its output's leading dimension is
// one of its inputs' (the "row input"), and its other data inputs either share that dimension or
// are fixed tensors that do not extend over it (weights, broadcast operands, a KV cache). These
// ops qualify:
//   FullyConnected, RmsNorm, LayerNorm, Activation, Reshape (same leading dimension in and out):
//     row input 0; the other inputs fixed.
//   Add, Sub, Mul, Div: each input either has the output's dimension (same rank) or is fixed and
//     broadcast along dimension 0 (lower rank, or shape[0] == 1).
//   Rope: row input x; positions share it; inv_freq fixed.
//   Attention: row input q; with caches, k, v and positions share q's dimension; without, k and v
//     share one (it may differ from q's: the keys' length).
//   Gather: row input the indices; the table may have a run-time dimension of its own (gathering
//     rows of an activation, as a decoder picks the rows whose logits it computes).
// Int8 ops (I8 activations) follow none.
#pragma once

#include "runtime/ops/op_check.h"

namespace sprig {

// Whether any input or output of `op` has a run-time leading dimension.
bool has_dynamic_rows(const OpSignature& op);

// kInvalidModel naming the op and the tensor when `op` (already through check_op) has a tensor
// with a run-time leading dimension that it cannot follow by the rules above.
Status check_dynamic_rows(const OpSignature& op);

}  // namespace sprig
