// Greedy memory planning (the algorithm TensorFlow Lite Micro's GreedyMemoryPlanner uses).
//
// Every activation tensor lives from the op that first writes it to the op that last reads it
// (inclusive). Buffers are placed largest first, each at the lowest aligned offset that does not
// overlap any already placed buffer whose lifetime intersects its own. The result is one arena size
// and one offset per buffer; the naive size is the sum of all buffers for comparison.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/core/status.h"

namespace sprig {

struct BufferLifetime {
  uint64_t size = 0;
  int first_use = 0;  // op index
  int last_use = 0;   // op index, inclusive
};

struct MemoryPlanResult {
  std::vector<uint64_t> offsets;  // one per buffer
  uint64_t arena_size = 0;
  uint64_t naive_size = 0;
};

// The tensors one op reads and writes, by index.
struct OpTensorIndices {
  std::vector<int> inputs;
  std::vector<int> outputs;
};

// First and last op using each tensor. Graph inputs live from op 0 and graph outputs to the last
// op, so inputs can be written before run() and outputs read after it. Tensors nothing uses get
// first_use = last_use = -1. Indices must be in range (the caller has checked them).
std::vector<BufferLifetime> tensor_lifetimes(int num_tensors, const std::vector<OpTensorIndices>& ops,
                                             const std::vector<int>& graph_inputs,
                                             const std::vector<int>& graph_outputs);

uint64_t align_up(uint64_t value, uint64_t alignment);

MemoryPlanResult plan_memory(const std::vector<BufferLifetime>& buffers, uint64_t alignment);

// Ok when no two buffers with intersecting lifetimes overlap and all fit in arena_size with the
// given alignment; otherwise kInvalidModel naming the first two buffers (by index) at fault.
Status check_memory_plan(const std::vector<BufferLifetime>& buffers,
                         const std::vector<uint64_t>& offsets, uint64_t arena_size,
                         uint64_t alignment);

}  // namespace sprig
