// A session's worker threads: one pthreadpool, started when the session is created and shared by
// every backend's program (XNNPACK's operators and our own kernels).
//
// Parallel loops hand out small tiles that idle threads steal from busy ones. That is not enough
// when another process takes one of the cores: a worker preempted in the middle of a tile makes
// the caller spin-wait (pthreadpool spins about a million pauses before sleeping) until the
// scheduler gives the worker its core back, once per parallel loop, and a 2-thread run can take
// several times as long as a 1-thread one. So the pool adapts per run: it times every run with
// and without its workers (two probe runs of the other mode every kProbeInterval runs while the
// workers are in use, every kSerialProbeInterval runs while they are not, and at once after two
// parallel runs in a row 1.5x slower than the serial estimate) and uses the mode whose median over
// its last five runs is lower (the workers must lose by 5%). On a quiet machine the workers are
// used on all runs but the probes. When the pool turns serial it parks its workers (they sleep
// instead of spinning for the next command, which would take a core from the serial runs).
// Between parallel runs they do what pthreadpool workers do: spin a while, then sleep. Parking
// them after every run instead made each run start by waking a sleeping thread, which on a
// virtual machine whose idle vCPU the host has descheduled took up to 10 ms (MobileNetV3-Small,
// 2 threads, interleaved with other engines: 2.1 ms median with parking, 1.6 without, raw
// XNNPACK 1.7).
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

  // The pool for the current run: null when running on the caller's thread only (one thread, or
  // a serial run chosen by the adaptive policy). Every pthreadpool_parallelize_* call and
  // xnn_run_operator accept null and then run inline. Read it at every execute, not at prepare.
  pthreadpool_t handle() const { return serial_run_ ? nullptr : pool_; }
  // The started pool itself, for setting up operators at prepare (never changes after start()).
  pthreadpool_t pool() const { return pool_; }
  int num_threads() const { return num_threads_; }

  // Bracket every run: begin_run() picks this run's mode, end_run() records how long it took.
  // Allocation-free. Not thread-safe (a session runs on one thread at a time).
  void begin_run();
  void end_run(int64_t nanoseconds);
  // Runs made on the caller's thread alone since start() (for tests and reports).
  int64_t serial_runs() const { return serial_runs_; }

  // Runs between probes while the workers are in use, and while they are not.
  static constexpr int kProbeInterval = 50;
  static constexpr int kSerialProbeInterval = 10;
  static constexpr int kProbeRuns = 2;

 private:
  static constexpr int kSamples = 5;
  // The most recent run times of one mode, for a median.
  struct Samples {
    int64_t ns[kSamples] = {};
    int count = 0;
    int next = 0;
    void add(int64_t value);
    int64_t median() const;
  };
  bool prefer_serial() const;
  void park_workers();

  pthreadpool_t pool_ = nullptr;
  int num_threads_ = 1;
  bool serial_run_ = false;
  Samples parallel_, serial_;
  int runs_since_probe_ = 0;
  int probe_left_ = 0;
  int slow_parallel_runs_ = 0;
  bool probe_serial_ = false;
  int64_t serial_runs_ = 0;
};

// The number of physical cores of the fastest kind (the big cores of a big.LITTLE phone or
// board; every core elsewhere), at least 1.
int default_thread_count();

// Flags for the pthreadpool_parallelize_* calls of our own kernels.
constexpr uint32_t kParallelFlags = PTHREADPOOL_FLAG_DISABLE_DENORMALS;

}  // namespace sprig
