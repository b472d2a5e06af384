#include "runtime/core/memory_planner.h"

#include <algorithm>
#include <cinttypes>
#include <numeric>

namespace sprig {
namespace {

bool lifetimes_intersect(const BufferLifetime& a, const BufferLifetime& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

}  // namespace

std::vector<BufferLifetime> tensor_lifetimes(int num_tensors, const std::vector<OpTensorIndices>& ops,
                                             const std::vector<int>& graph_inputs,
                                             const std::vector<int>& graph_outputs) {
  std::vector<BufferLifetime> lifetimes(static_cast<size_t>(num_tensors), BufferLifetime{0, -1, -1});
  const int last_op = std::max(0, static_cast<int>(ops.size()) - 1);
  auto touch = [&](int tensor, int op) {
    BufferLifetime& lifetime = lifetimes[static_cast<size_t>(tensor)];
    if (lifetime.first_use < 0 || op < lifetime.first_use) lifetime.first_use = op;
    lifetime.last_use = std::max(lifetime.last_use, op);
  };
  for (int op = 0; op < static_cast<int>(ops.size()); ++op) {
    for (int tensor : ops[static_cast<size_t>(op)].inputs) touch(tensor, op);
    for (int tensor : ops[static_cast<size_t>(op)].outputs) touch(tensor, op);
  }
  for (int tensor : graph_inputs) {
    touch(tensor, 0);
    touch(tensor, last_op);
  }
  for (int tensor : graph_outputs) touch(tensor, last_op);
  return lifetimes;
}

uint64_t align_up(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

MemoryPlanResult plan_memory(const std::vector<BufferLifetime>& buffers, uint64_t alignment) {
  MemoryPlanResult result;
  result.offsets.assign(buffers.size(), 0);
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].size > buffers[b].size; });

  struct Placed {
    uint64_t begin, end;
  };
  std::vector<size_t> placed;
  std::vector<Placed> conflicts;
  for (size_t index : order) {
    const BufferLifetime& buffer = buffers[index];
    const uint64_t size = align_up(buffer.size, alignment);
    result.naive_size += size;
    conflicts.clear();
    for (size_t other : placed) {
      if (lifetimes_intersect(buffer, buffers[other]))
        conflicts.push_back({result.offsets[other],
                             result.offsets[other] + align_up(buffers[other].size, alignment)});
    }
    std::sort(conflicts.begin(), conflicts.end(),
              [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
    uint64_t offset = 0;
    for (const Placed& conflict : conflicts) {
      if (size > 0 && offset + size <= conflict.begin) break;
      offset = std::max(offset, conflict.end);
    }
    result.offsets[index] = offset;
    result.arena_size = std::max(result.arena_size, offset + size);
    placed.push_back(index);
  }
  return result;
}

Status check_memory_plan(const std::vector<BufferLifetime>& buffers,
                         const std::vector<uint64_t>& offsets, uint64_t arena_size,
                         uint64_t alignment) {
  if (offsets.size() != buffers.size())
    return Status::error(Code::kInvalidModel, "memory plan has %zu offsets for %zu tensors",
                         offsets.size(), buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (offsets[i] % alignment != 0)
      return Status::error(Code::kInvalidModel,
                           "memory plan: buffer %zu offset %" PRIu64 " is not %" PRIu64
                           "-byte aligned",
                           i, offsets[i], alignment);
    if (offsets[i] > arena_size || buffers[i].size > arena_size - offsets[i])
      return Status::error(Code::kInvalidModel,
                           "memory plan: buffer %zu [%" PRIu64 ", +%" PRIu64
                           ") runs past the arena size %" PRIu64,
                           i, offsets[i], buffers[i].size, arena_size);
  }
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return offsets[a] < offsets[b]; });
  for (size_t i = 0; i < order.size(); ++i) {
    const size_t a = order[i];
    if (buffers[a].size == 0) continue;
    for (size_t j = i + 1; j < order.size(); ++j) {
      const size_t b = order[j];
      if (offsets[b] >= offsets[a] + buffers[a].size) break;
      if (buffers[b].size == 0 || !lifetimes_intersect(buffers[a], buffers[b])) continue;
      return Status::error(Code::kInvalidModel,
                           "memory plan: buffers %zu and %zu overlap while both are live", a, b);
    }
  }
  return Status::ok_status();
}

}  // namespace sprig
