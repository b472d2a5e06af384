// Partitioning across backends by supports(), the caller-provided arena, and input/output lookup.
#include "runtime/core/session.h"

#include <gtest/gtest.h>

#include <cstring>

#include "backends/reference/reference_backend.h"
#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"

namespace sprig {
namespace {

// Claims only FullyConnected ops and runs them through the reference backend.
class FullyConnectedOnlyBackend : public Backend {
 public:
  const char* name() const override { return "fc-only"; }
  Status availability() const override { return Status::ok_status(); }
  bool supports(const Model& model, int op) const override {
    return model.op(op).type() == fb::OpType::FullyConnected;
  }
  Result<std::unique_ptr<BackendProgram>> prepare(const PrepareContext& context, const int* ops,
                                                  int count) override {
    ++prepared;
    return reference_backend()->prepare(context, ops, count);
  }
  int prepared = 0;
};

class UnavailableBackend : public FullyConnectedOnlyBackend {
 public:
  Status availability() const override { return Status(Code::kUnsupported, "no device"); }
};

std::vector<float> run_tiny(Session& session) {
  for (int64_t i = 0; i < session.input(0).shape.numel(); ++i)
    session.input(0).f32()[i] = static_cast<float>(i % 5) * 0.25f - 0.5f;
  EXPECT_TRUE(session.run().ok());
  const float* out = session.output(0).f32();
  return std::vector<float>(out, out + session.output(0).shape.numel());
}

TEST(SessionTest, PartitionsByPreferenceAndSupport) {
  test::LoadedModel loaded = test::load_bytes(test::serialize(test::tiny_graph()));
  ASSERT_TRUE(loaded.model);
  FullyConnectedOnlyBackend fc_only;
  Backend* backends[] = {&fc_only, reference_backend()};
  SessionOptions options;
  options.backends = backends;
  options.num_backends = 2;
  auto session = Session::create(*loaded.model, options);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const std::vector<Partition>& parts = (*session)->partitions();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].backend, reference_backend());
  EXPECT_EQ(parts[0].num_ops, 2);
  EXPECT_EQ(parts[1].backend, &fc_only);
  EXPECT_EQ(fc_only.prepared, 1);

  std::unique_ptr<Session> reference = test::make_session(*loaded.model);
  ASSERT_TRUE(reference);
  EXPECT_EQ(run_tiny(**session), run_tiny(*reference));
}

TEST(SessionTest, UnavailableBackendIsSkipped) {
  test::LoadedModel loaded = test::load_bytes(test::serialize(test::tiny_graph()));
  ASSERT_TRUE(loaded.model);
  UnavailableBackend unavailable;
  Backend* backends[] = {&unavailable, reference_backend()};
  SessionOptions options;
  options.backends = backends;
  options.num_backends = 2;
  auto session = Session::create(*loaded.model, options);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ((*session)->partitions().size(), 1u);
  EXPECT_EQ(unavailable.prepared, 0);
}

TEST(SessionTest, OpNoBackendSupportsIsNamed) {
  test::LoadedModel loaded = test::load_bytes(test::serialize(test::tiny_graph()));
  ASSERT_TRUE(loaded.model);
  FullyConnectedOnlyBackend fc_only;
  Backend* backends[] = {&fc_only};
  SessionOptions options;
  options.backends = backends;
  options.num_backends = 1;
  auto session = Session::create(*loaded.model, options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), Code::kUnsupported);
  EXPECT_NE(std::strstr(session.status().message(), "'conv' (Conv2D)"), nullptr)
      << session.status().message();
}

TEST(SessionTest, CallerArenaIsUsed) {
  test::LoadedModel loaded = test::load_bytes(test::serialize(test::tiny_graph()));
  ASSERT_TRUE(loaded.model);
  const size_t bytes = Session::required_arena_bytes(*loaded.model);
  alignas(64) static uint8_t arena[4096];
  ASSERT_LE(bytes, sizeof(arena));
  Backend* backends[] = {reference_backend()};
  SessionOptions options;
  options.backends = backends;
  options.num_backends = 1;
  options.arena = arena;
  options.arena_bytes = bytes;
  auto session = Session::create(*loaded.model, options);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const uint8_t* input = static_cast<const uint8_t*>((*session)->input(0).data);
  EXPECT_TRUE(input >= arena && input < arena + bytes);
  std::unique_ptr<Session> own = test::make_session(*loaded.model);
  EXPECT_EQ(run_tiny(**session), run_tiny(*own));
  EXPECT_EQ((*session)->find_input("x"), 0);
  EXPECT_EQ((*session)->find_output("logits"), 0);
  EXPECT_EQ((*session)->find_input("nope"), -1);
}

}  // namespace
}  // namespace sprig
