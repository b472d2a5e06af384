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
  if (num_threads == 1) return Status::ok_status();
  pool_ = pthreadpool_create(static_cast<size_t>(num_threads));
  if (!pool_) {
    num_threads_ = 1;
    return Status::error(Code::kOutOfMemory, "cannot start a pool of %d threads", num_threads);
  }
  return Status::ok_status();
}

}  // namespace sprig
