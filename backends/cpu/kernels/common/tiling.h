// How the CPU backend's own ops split their work over the thread pool.
#pragma once

#include <pthreadpool.h>

#include <cstddef>

namespace sprig::cpu {

// Ops producing fewer elements than this run on the calling thread: waking the pool costs more.
constexpr size_t kSerialElements = 32 * 1024;
// Elements per tile for streaming (memory-bound) ops: small enough that work stealing balances
// threads whose cores are busy elsewhere, large enough to amortize the per-tile call.
constexpr size_t kStreamTile = 8 * 1024;

// The pool to pass to pthreadpool_parallelize_*: null (inline) for small work.
inline pthreadpool_t pool_for(pthreadpool_t pool, size_t elements) {
  return elements < kSerialElements ? nullptr : pool;
}

// Output rows per tile for a matrix-vector product over `rows` outputs: about four tiles per
// thread, so that threads slowed by other processes get fewer; at least 8.
inline size_t rows_per_tile(size_t rows, int num_threads) {
  const size_t threads = num_threads > 1 ? static_cast<size_t>(num_threads) : 1;
  const size_t tile = (rows + 4 * threads - 1) / (4 * threads);
  return tile < 8 ? 8 : tile;
}

inline size_t round_up(size_t x, size_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

}  // namespace sprig::cpu
