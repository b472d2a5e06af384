// Helpers shared by the microbenchmarks in bench/micro/ (header only: the bench executable is
// every *_bench.cc there).
#pragma once

#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "backends/cpu/cpu_op.h"

namespace sprig::bench {

// n values drawn from N(0, 1), the same for the same seed.
inline std::vector<float> normal(size_t n, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist;
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Null (the caller's thread) for 1 thread, else one pool of 2 threads kept for the whole run.
inline pthreadpool_t pool_of(int threads) {
  static pthreadpool_t pool2 = pthreadpool_create(2);
  return threads > 1 ? pool2 : nullptr;
}

// Times `op` (made for this benchmark) running on pool_of(threads), writing y. False, with the
// benchmark skipped on op's error, when op was not made.
inline bool time_op(benchmark::State& state, Result<std::unique_ptr<cpu::CpuOp>>& op, int threads,
                    float* y) {
  if (!op.ok()) {
    state.SkipWithError(op.status().message());
    return false;
  }
  const pthreadpool_t pool = pool_of(threads);
  std::vector<unsigned char> scratch(op.value()->scratch_bytes() + 64);
  for (auto _ : state) {
    op.value()->run(scratch.data(), pool);
    benchmark::DoNotOptimize(y);
  }
  return true;
}

}  // namespace sprig::bench
