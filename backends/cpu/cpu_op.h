// One op prepared for the CPU backend, whichever engine runs it (XNNPACK or our own kernels).
//
// Creation does all the work that allocates: weights packed (converted from F16/BF16 where
// stored so), operators created, tensor pointers bound (the session's TensorViews keep their
// data pointers for the program's lifetime). run() computes the op with no heap allocation.
#pragma once

#include <pthreadpool.h>

#include <cstddef>
#include <memory>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/lora_branch.h"
#include "runtime/core/status.h"
#include "runtime/ops/op_check.h"

namespace sprig::cpu {

class CpuOp {
 public:
  virtual ~CpuOp() = default;
  // Bytes of scratch memory run() needs; the program allocates the largest over its ops once,
  // 64-byte aligned, and passes it to every op (its contents do not survive between ops).
  virtual size_t scratch_bytes() const { return 0; }
  // Computes the op. `pool` may be null (run on the caller's thread).
  virtual void run(void* scratch, pthreadpool_t pool) = 0;
  // Called just before each run(): an error for input values run() must not meet (an index
  // outside its table, a position outside the KV cache), so that run() is not called. The
  // program stops there and returns the error.
  virtual Status check_inputs() const { return Status::ok_status(); }
  // Replaces the op's LoRA branches (BackendProgram::set_lora); FullyConnected ops that read their
  // weights in place take them.
  virtual Status set_lora(const LoraBranch* branches, int count) {
    (void)branches;
    return count == 0 ? Status::ok_status()
                      : Status(Code::kUnsupported,
                               "cpu: LoRA branches go on FullyConnected ops whose rows are a "
                               "run-time dimension (transformer layers)");
  }
};

// What op creation may consult.
struct CpuOpContext {
  CpuFeatures features;  // the kernels to pick (effective_cpu_features() normally)
  int num_threads = 1;   // threads the pool will have, to size per-thread scratch and tiles
  pthreadpool_t pool = nullptr;  // the pool run() will be given (XNNPACK binds it at setup)
};

}  // namespace sprig::cpu
