#include "runtime/core/memory_planner.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"

namespace sprig {
namespace {

TEST(MemoryPlannerTest, ChainReusesMemory) {
  // a -> b -> c -> d: at most two buffers live at once.
  std::vector<BufferLifetime> buffers = {{1000, 0, 0}, {1000, 0, 1}, {1000, 1, 2}, {1000, 2, 2}};
  const MemoryPlanResult plan = plan_memory(buffers, 64);
  EXPECT_EQ(plan.naive_size, 4 * 1024u);
  EXPECT_EQ(plan.arena_size, 2 * 1024u);
  EXPECT_TRUE(check_memory_plan(buffers, plan.offsets, plan.arena_size, 64).ok());
}

TEST(MemoryPlannerTest, RandomGraphsPlanAreSoundAndNoWorseThanNaive) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferLifetime> buffers(1 + rng() % 40);
    for (BufferLifetime& buffer : buffers) {
      buffer.size = 1 + rng() % 5000;
      buffer.first_use = static_cast<int>(rng() % 30);
      buffer.last_use = buffer.first_use + static_cast<int>(rng() % 6);
    }
    const MemoryPlanResult plan = plan_memory(buffers, 64);
    ASSERT_TRUE(check_memory_plan(buffers, plan.offsets, plan.arena_size, 64).ok()) << trial;
    EXPECT_LE(plan.arena_size, plan.naive_size);
    // The peak of simultaneously live bytes is a lower bound.
    uint64_t peak = 0;
    for (int op = 0; op < 40; ++op) {
      uint64_t live = 0;
      for (const BufferLifetime& b : buffers)
        if (b.first_use <= op && op <= b.last_use) live += align_up(b.size, 64);
      peak = std::max(peak, live);
    }
    EXPECT_GE(plan.arena_size, peak);
  }
}

TEST(MemoryPlannerTest, CheckFindsOverlap) {
  std::vector<BufferLifetime> buffers = {{128, 0, 2}, {128, 1, 3}};
  const Status status = check_memory_plan(buffers, {0, 64}, 256, 64);
  EXPECT_EQ(status.code(), Code::kInvalidModel);
  EXPECT_TRUE(check_memory_plan(buffers, {0, 128}, 256, 64).ok());
  EXPECT_FALSE(check_memory_plan(buffers, {0, 128}, 200, 64).ok());
}

TEST(MemoryPlannerTest, LifetimesKeepInputsAndOutputsAlive) {
  std::vector<OpTensorIndices> ops = {{{0}, {1}}, {{1}, {2}}, {{2}, {3}}};
  const auto lifetimes = tensor_lifetimes(5, ops, {0}, {1, 3});
  EXPECT_EQ(lifetimes[0].first_use, 0);
  EXPECT_EQ(lifetimes[0].last_use, 2);  // inputs survive the whole run
  EXPECT_EQ(lifetimes[1].last_use, 2);  // outputs survive to the end
  EXPECT_EQ(lifetimes[2].first_use, 1);
  EXPECT_EQ(lifetimes[2].last_use, 2);
  EXPECT_EQ(lifetimes[4].first_use, -1);
}

// Arena regression guard (as TFLite Micro's): the planned arena of the tiny model must stay within
// 3% of the bytes its tensors need at the busiest op.
TEST(MemoryPlannerTest, TinyModelArenaIsTight) {
  test::LoadedModel loaded = test::load_bytes(test::serialize(test::tiny_graph()));
  ASSERT_TRUE(loaded.model);
  // x (200 B -> 256) stays live; conv.out 108 B -> 128, flat 108 -> 128, logits 16 -> 64.
  // Busiest op is the reshape or FC: x + flat + conv.out or x + flat + logits = 512 bytes.
  EXPECT_LE(loaded.model->arena_size(), 512u * 103 / 100);
  EXPECT_EQ(loaded.model->naive_arena_size(), 256u + 128 + 128 + 64);
}

}  // namespace
}  // namespace sprig
