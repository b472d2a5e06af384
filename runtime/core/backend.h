// The interface every backend implements (reference, cpu, vulkan).
//
// A session partitions the model's ops: each op goes to the first backend in the caller's
// preference list whose supports() accepts it. Each maximal run of consecutive ops on one backend is
// handed to that backend's prepare() once, which returns a BackendProgram; run() then calls
// execute() on every program in order. prepare() may allocate (pack weights, create operators,
// size scratch); execute() must not allocate. Destroying the program releases everything.
#pragma once

#include <memory>

#include "runtime/core/lora_branch.h"
#include "runtime/core/status.h"
#include "runtime/core/tensor.h"
#include "runtime/core/thread_pool.h"

namespace sprig {

class Model;

// What a backend sees of the session at prepare: the model and one view per model tensor, whose
// data pointers (mmapped constants, arena activations) stay fixed for the session's lifetime. The
// `tensors` array itself also stays alive and in place as long as any program prepared from it,
// so programs may keep pointers into it.
struct PrepareContext {
  const Model* model = nullptr;
  const TensorView* tensors = nullptr;  // indexed like the model's tensors
  // The session's worker threads, shared by all its programs; never null, alive as long as the
  // programs.
  ThreadPool* thread_pool = nullptr;
};

class BackendProgram {
 public:
  virtual ~BackendProgram() = default;
  // Runs the prepared ops in order. Must not allocate.
  virtual Status execute() = 0;
  // Runs prepared op `index` alone (0 <= index < the count given to prepare), for per-op
  // profiling: calling it for every index in order is equivalent to execute(). Must not allocate.
  virtual Status execute_op(int index) = 0;
  // Replaces the LoRA branches of prepared op `index` (a FullyConnected) by branches[0, count)
  // (count 0: none), which the caller keeps valid until it replaces them. May allocate; execute()
  // stays allocation-free. kUnsupported when this backend's kernel for the op takes none.
  virtual Status set_lora(int index, const LoraBranch* branches, int count) {
    (void)index;
    (void)branches;
    return count == 0 ? Status::ok_status()
                      : Status(Code::kUnsupported, "this backend takes no LoRA branches");
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Ok when the backend can run on this machine; otherwise a Status saying why not.
  virtual Status availability() const = 0;
  // Whether this backend can run op `op_index` of `model` with its tensors' dtypes and shapes.
  virtual bool supports(const Model& model, int op_index) const = 0;
  // Prepares ops[0..count) (consecutive in execution order) for repeated execution.
  virtual Result<std::unique_ptr<BackendProgram>> prepare(const PrepareContext& context,
                                                          const int* ops, int count) = 0;
};

}  // namespace sprig
