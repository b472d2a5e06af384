// A session's worker threads: one pthreadpool, started when the session is created and shared by
// every backend's program (XNNPACK's operators and our own kernels).
//
// Workers spin briefly after a parallel call and then sleep in the kernel (futex), and parallel
// loops hand out small tiles that idle threads steal from busy ones, so a thread whose core is
// taken by another process delays a loop by at most one tile instead of stalling it.
#pragma once

#include <pthreadpool.h>

#include <cstdint>

#include "runtime/core/status.h"

namespace sprig {

class ThreadPool {
 public:
  ThreadPool() = default;
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Starts `num_threads` threads in all (the caller's thread counts as one; 1 starts none and
  // runs everything on the caller). 0 means default_thread_count(). Errors: kInvalidArgument for
  // a negative count, kOutOfMemory when the threads cannot be started.
  Status start(int num_threads);

  // Null when running on the caller's thread only; every pthreadpool_parallelize_* call and
  // xnn_run_operator accept null and then run inline.
  pthreadpool_t handle() const { return pool_; }
  int num_threads() const { return num_threads_; }

 private:
  pthreadpool_t pool_ = nullptr;
  int num_threads_ = 1;
};

// The number of physical cores of the fastest kind (the big cores of a big.LITTLE phone or
// board; every core elsewhere), at least 1.
int default_thread_count();

// Flags for the pthreadpool_parallelize_* calls of our own kernels.
constexpr uint32_t kParallelFlags = PTHREADPOOL_FLAG_DISABLE_DENORMALS;

}  // namespace sprig
