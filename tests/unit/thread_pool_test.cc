// The session thread pool's adaptive policy: workers on a quiet machine, the caller's thread alone
// when a parallel run is slower than a serial one (a core taken by another process).
#include <gtest/gtest.h>

#include <atomic>

#include "runtime/core/thread_pool.h"

namespace sprig {
namespace {

// Runs one policy step with a synthetic run time; true when the run used the workers.
bool step(ThreadPool& pool, int64_t parallel_ns, int64_t serial_ns) {
  pool.begin_run();
  const bool parallel = pool.handle() != nullptr;
  pool.end_run(parallel ? parallel_ns : serial_ns);
  return parallel;
}

TEST(ThreadPoolTest, OneThreadNeverStartsWorkers) {
  ThreadPool pool;
  ASSERT_TRUE(pool.start(1).ok());
  EXPECT_EQ(pool.num_threads(), 1);
  EXPECT_EQ(pool.pool(), nullptr);
  pool.begin_run();
  EXPECT_EQ(pool.handle(), nullptr);
}

TEST(ThreadPoolTest, RejectsNegativeCountAndDefaultsToCores) {
  ThreadPool pool;
  EXPECT_EQ(pool.start(-1).code(), Code::kInvalidArgument);
  ASSERT_TRUE(pool.start(0).ok());
  EXPECT_EQ(pool.num_threads(), default_thread_count());
  EXPECT_GE(default_thread_count(), 1);
}

TEST(ThreadPoolTest, WorkersRunEveryTask) {
  ThreadPool pool;
  ASSERT_TRUE(pool.start(2).ok());
  std::atomic<int> sum{0};
  pthreadpool_parallelize_1d(
      pool.pool(),
      [](void* context, size_t i) {
        static_cast<std::atomic<int>*>(context)->fetch_add(static_cast<int>(i));
      },
      &sum, 100, kParallelFlags);
  EXPECT_EQ(sum.load(), 4950);
}

TEST(ThreadPoolTest, QuietMachineKeepsWorkersExceptForProbes) {
  ThreadPool pool;
  ASSERT_TRUE(pool.start(2).ok());
  int parallel_runs = 0;
  const int runs = 500;
  for (int i = 0; i < runs; ++i) parallel_runs += step(pool, 100, 180);
  EXPECT_EQ(pool.serial_runs(), runs - parallel_runs);
  // Two serial probes per kProbeInterval runs at most.
  EXPECT_LE(pool.serial_runs(), 2 + runs * ThreadPool::kProbeRuns / ThreadPool::kProbeInterval);
  EXPECT_GE(pool.serial_runs(), 2);
}

TEST(ThreadPoolTest, BusyCoreSwitchesToSerialAndBackWhenQuietAgain) {
  ThreadPool pool;
  ASSERT_TRUE(pool.start(2).ok());
  for (int i = 0; i < 20; ++i) step(pool, 100, 180);  // quiet: parallel wins
  // Another process takes a core: parallel runs now take 400 against 190 serial.
  int parallel_runs = 0;
  for (int i = 0; i < 200; ++i) parallel_runs += step(pool, 400, 190);
  // Two slow runs to notice, then only the parallel probes.
  EXPECT_LE(parallel_runs, 2 + 200 * ThreadPool::kProbeRuns / ThreadPool::kSerialProbeInterval);
  // The other process ends: probes find parallel faster again.
  int late_parallel = 0;
  for (int i = 0; i < 200; ++i) late_parallel += step(pool, 100, 180);
  EXPECT_GE(late_parallel, 200 - ThreadPool::kSerialProbeInterval - 2 * ThreadPool::kProbeRuns -
                               200 * ThreadPool::kProbeRuns / ThreadPool::kProbeInterval);
}

TEST(ThreadPoolTest, OneSlowParallelRunIsNotEnoughToGoSerial) {
  ThreadPool pool;
  ASSERT_TRUE(pool.start(2).ok());
  for (int i = 0; i < 10; ++i) step(pool, 100, 180);  // parallel preferred, serial measured
  const int64_t serial_before = pool.serial_runs();
  // A cold cache every tenth run (3x slower) must not make the pool give up its workers.
  for (int i = 0; i < 40; ++i) step(pool, i % 10 == 0 ? 300 : 100, 180);
  EXPECT_EQ(pool.serial_runs(), serial_before);
}

}  // namespace
}  // namespace sprig
