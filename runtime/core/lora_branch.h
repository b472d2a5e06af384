// A LoRA branch on a FullyConnected op, as a session hands it to the backend running the op: the
// op's output before its fused activation gains scaling * B (A x), with A [rank, K] and
// B [N, rank] (F32 or F16) read in place from the adapter file.
#pragma once

#include "runtime/core/tensor.h"

namespace sprig {

struct LoraBranch {
  const TensorView* a = nullptr;
  const TensorView* b = nullptr;
  float scaling = 0.0f;
};

}  // namespace sprig
