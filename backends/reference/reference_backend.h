// The reference backend: portable, single-threaded C++ kernels for every op (kernels/, one file
// per op family), the oracle every other backend is tested against.
//
// supports(): every op that passes check_op, i.e. F32 activations with Conv2D, FullyConnected,
//   MatMul and BatchNorm weights in F32, F16 or BF16.
// prepare(): checks each op again, resolves its kernel and the TensorViews of its inputs and
//   outputs once. Cost: every weight stored as F16 or BF16 is converted to an F32 buffer owned by
//   the program (4 bytes per weight element on top of the mapped file, one pass over the weights
//   per prepare; weights shared by several ops are converted once). A non-constant F16/BF16 weight
//   (a graph input) gets its buffer at prepare and is converted again at the start of every
//   execute(). Errors: kInvalidArgument (bad context or op indices), kInvalidModel/kUnsupported
//   (from check_op), kOutOfMemory (weight buffers).
// execute(): runs the kernels in order on the calling thread and makes no heap allocation. A
//   kernel error comes back with the op's name in front.
// The backend object is stateless and may be used from any thread; each program belongs to one
// session at a time.
#pragma once

#include "runtime/core/backend.h"

namespace sprig {

// The process-wide reference backend, named "reference", always available.
Backend* reference_backend();

}  // namespace sprig
