#include "runtime/core/thread_pool.h"

#include <cpuinfo.h>


namespace sprig {

int default_thread_count() {
  if (!cpuinfo_initialize()) return 1;
  const uint32_t cores = cpuinfo_get_cores_count();
  if (cores == 0) return 1;
  // On big.LITTLE the cores are listed by cluster; count those of the fastest microarchitecture.
  uint64_t fastest = 0;
  for (uint32_t i = 0; i < cores; ++i)
    if (cpuinfo_get_core(i)->frequency > fastest) fastest = cpuinfo_get_core(i)->frequency;
  if (fastest == 0) return static_cast<int>(cores);
  int big = 0;
  for (uint32_t i = 0; i < cores; ++i)
    if (cpuinfo_get_core(i)->frequency == fastest) ++big;
  return big > 0 ? big : static_cast<int>(cores);
}

ThreadPool::~ThreadPool() {
  if (pool_) pthreadpool_destroy(pool_);
}

Status ThreadPool::start(int num_threads) {
  if (num_threads < 0)
    return Status::error(Code::kInvalidArgument, "thread count %d is negative", num_threads);
  if (num_threads == 0) num_threads = default_thread_count();
  if (pool_) {
    pthreadpool_destroy(pool_);
    pool_ = nullptr;
  }
  num_threads_ = num_threads;
  serial_run_ = false;
  parallel_ = Samples();
  serial_ = Samples();
  runs_since_probe_ = probe_left_ = slow_parallel_runs_ = 0;
  serial_runs_ = 0;
  if (num_threads == 1) return Status::ok_status();
  pool_ = pthreadpool_create(static_cast<size_t>(num_threads));
  if (!pool_) {
    num_threads_ = 1;
    return Status::error(Code::kOutOfMemory, "cannot start a pool of %d threads", num_threads);
  }
  return Status::ok_status();
}

void ThreadPool::Samples::add(int64_t value) {
  ns[next] = value;
  next = (next + 1) % kSamples;
  if (count < kSamples) ++count;
}

int64_t ThreadPool::Samples::median() const {
  if (count == 0) return 0;
  int64_t sorted[kSamples];
  for (int i = 0; i < count && i < kSamples; ++i) {
    int j = i;
    for (; j > 0 && sorted[j - 1] > ns[i]; --j) sorted[j] = sorted[j - 1];
    sorted[j] = ns[i];
  }
  return sorted[count / 2];
}

void ThreadPool::park_workers() {
  // An empty task per thread with the yield flag: the workers go to sleep at once instead of
  // spinning for the next command, which would take a core from the serial runs that follow.
  pthreadpool_parallelize_1d(
      pool_, [](void*, size_t) {}, nullptr, static_cast<size_t>(num_threads_),
      PTHREADPOOL_FLAG_YIELD_WORKERS);
}

bool ThreadPool::prefer_serial() const {
  // Hysteresis: the workers must lose by 5% before the pool gives them up.
  return serial_.count > 0 && parallel_.count > 0 &&
         serial_.median() * 100 < parallel_.median() * 95;
}

void ThreadPool::begin_run() {
  if (!pool_) return;
  if (probe_left_ == 0) {
    if (parallel_.count >= 2 && serial_.count == 0) {
      probe_left_ = kProbeRuns;  // first serial measurement
      probe_serial_ = true;
    } else if (runs_since_probe_ >= (prefer_serial() ? kSerialProbeInterval : kProbeInterval)) {
      probe_left_ = kProbeRuns;
      probe_serial_ = !prefer_serial();
    }
  }
  const bool was_serial = serial_run_;
  serial_run_ = probe_left_ > 0 ? probe_serial_ : prefer_serial();
  if (serial_run_ && !was_serial) park_workers();
}

void ThreadPool::end_run(int64_t nanoseconds) {
  if (!pool_) return;
  if (serial_run_) {
    serial_.add(nanoseconds);
    ++serial_runs_;
  } else {
    parallel_.add(nanoseconds);
  }
  if (probe_left_ > 0) {
    if (--probe_left_ == 0) runs_since_probe_ = 0;
    return;
  }
  ++runs_since_probe_;
  // Parallel runs much slower than running alone, twice in a row (one could be a cold cache):
  // another process may have taken a core.
  const bool slow = !serial_run_ && serial_.count > 0 && nanoseconds * 2 > serial_.median() * 3;
  slow_parallel_runs_ = slow ? slow_parallel_runs_ + 1 : 0;
  if (slow_parallel_runs_ >= 2) {
    slow_parallel_runs_ = 0;
    probe_left_ = kProbeRuns;
    probe_serial_ = true;
  }
}

}  // namespace sprig
