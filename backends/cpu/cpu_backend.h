// The CPU backend: XNNPACK's operators where it is built in and runs the op, our own AVX2 / NEON
// / scalar kernels (picked from the CPU's features at prepare) for everything else.
//
// Three registered backends share this code:
//   "cpu"          XNNPACK first where built (SPRIG_XNNPACK=ON), our own kernels where XNNPACK
//                  cannot run an op or where ours are faster (Winograd 3x3 convolutions): the
//                  best path, and the default;
//   "cpu-xnnpack"  XNNPACK wherever it runs an op, ours only for the rest (built with XNNPACK
//                  only): Sprig's XNNPACK path, measured against XNNPACK alone in bench/;
//   "cpu-own"      our own kernels only: what Android and iOS builds run.
// supports(): F32 activations; Conv2D (incl. depthwise and grouped), FullyConnected,
//   Add/Sub/Mul/Div with broadcasting, activations, Max/AveragePool2D, GlobalAveragePool,
//   Softmax, Reshape, Concat (within each engine's limits). Other ops fall to the next backend.
// prepare(): creates one CpuOp per op (weights packed, converted from F16/BF16 to F32 where
//   stored so; operators created and set up on the session's fixed tensor addresses) and one
//   scratch block sized for the largest op. Errors: kInvalidArgument (bad context or op indices),
//   kUnsupported (an op neither engine runs), kOutOfMemory, kBackend (XNNPACK refused).
// execute(): runs the ops in order on the session's thread pool; no heap allocation.
#pragma once

#include "runtime/core/backend.h"

namespace sprig {

// The process-wide "cpu" backend.
Backend* cpu_backend();
// The process-wide "cpu-xnnpack" backend, or null in a build without XNNPACK.
Backend* cpu_xnnpack_backend();
// The process-wide "cpu-own" backend (our kernels only).
Backend* cpu_own_backend();

}  // namespace sprig
