// The LoRA branches bound to one FullyConnected op on the CPU: while any are bound the op's kernel
// writes y = W x + bias unclamped (kernel_clamp()), and add() makes it
// clamp(y + sum over branches of scaling * B (A x)) through the float-weight kernels
// (kernels/fgemv) reading A and B in place. set() allocates the rows of A x for the op's most
// rows; add() makes no allocation.
#pragma once

#include <pthreadpool.h>

#include <cstddef>
#include <vector>

#include "backends/cpu/kernels/fgemv/fgemv.h"
#include "backends/cpu/ops/fused_activation.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/lora_branch.h"
#include "runtime/core/status.h"

namespace sprig::cpu {

class LoraBranches {
 public:
  // For an op of weights [n, k] over at most max_rows rows of x, whose output is clamped to
  // `clamp`.
  void init(size_t n, size_t k, size_t max_rows, const CpuFeatures& features, OutputClamp clamp);

  // Replaces the branches; kInvalidArgument naming the shapes when A is not [rank, k] or B not
  // [n, rank], or a matrix is neither F32 nor F16; kOutOfMemory.
  Status set(const LoraBranch* branches, int count);
  bool empty() const { return branches_.empty(); }
  // What the op's kernel clamps to: the op's clamp, or nothing while branches are bound.
  OutputClamp kernel_clamp() const { return empty() ? clamp_ : OutputClamp(); }

  // y [rows, n] (row stride n) += the branches' terms for x [rows, k] (row stride k).
  void add(const float* x, size_t rows, float* y, pthreadpool_t pool);

 private:
  static void b_task(void* context, size_t n0, size_t count);

  size_t n_ = 0, k_ = 0, max_rows_ = 0;
  OutputClamp clamp_;
  FGemvKernels kernels_;
  std::vector<LoraBranch> branches_;
  AlignedBuffer t_;  // A x of every branch: [max_rows, rank] each, one after the other
  // Set by add() for b_task.
  FloatMatrix b_;
  FGemvFn b_kernel_ = nullptr;
  FGemvArgs b_args_;
};

}  // namespace sprig::cpu
