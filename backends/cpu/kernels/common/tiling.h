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

inline size_t round_up(size_t x, size_t multiple) {
  return (x + multiple - 1) / multiple * multiple;
}

}  // namespace sprig::cpu
