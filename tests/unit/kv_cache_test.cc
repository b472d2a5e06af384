// State tensors through a session: an Attention op with a KV cache, run one token at a time, must
// give what causal attention over the whole sequence gives (the no-cache form, which the
// conformance suite checks against PyTorch), exactly with F32 caches and within half rounding with
// F16 ones; reset_state() starts over; the loader refuses state tensors used as graph inputs or
// outputs, and caches of another dtype or of two dtypes.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "tests/common/test_util.h"

namespace sprig {
namespace {

constexpr int64_t kHeads = 4, kKvHeads = 2, kDim = 8, kCapacity = 16, kSteps = 11;

convert::Node attention_node(std::vector<int> inputs, int output) {
  convert::Node node;
  node.type = fb::OpType::Attention;
  node.inputs = std::move(inputs);
  node.outputs = {output};
  node.options.Set(fb::AttentionOptionsT());
  node.name = "attention";
  return node;
}

// q, k, v [T, H, D] as graph inputs; with_cache adds the two state caches and positions [T].
convert::Graph attention_graph(int64_t t_len, bool with_cache, fb::DType cache_dtype = fb::DType::F32) {
  convert::Graph g;
  const int q = g.add_value("q", fb::DType::F32, {t_len, kHeads, kDim});
  const int k = g.add_value("k", fb::DType::F32, {t_len, kKvHeads, kDim});
  const int v = g.add_value("v", fb::DType::F32, {t_len, kKvHeads, kDim});
  g.inputs = {q, k, v};
  std::vector<int> inputs = {q, k, v};
  if (with_cache) {
    for (const char* name : {"k_cache", "v_cache"}) {
      const int cache = g.add_value(name, cache_dtype, {kCapacity, kKvHeads, kDim});
      g.values[static_cast<size_t>(cache)].is_state = true;
      inputs.push_back(cache);
    }
    const int positions = g.add_value("positions", fb::DType::I32, {t_len});
    g.inputs.push_back(positions);
    inputs.push_back(positions);
  }
  const int y = g.add_value("y", fb::DType::F32, {t_len, kHeads, kDim});
  g.add_node(attention_node(inputs, y));
  g.outputs = {y};
  return g;
}

void copy_rows(const std::vector<float>& from, int64_t row, int64_t width, const TensorView& to) {
  std::copy(from.begin() + row * width, from.begin() + (row + 1) * width, to.f32());
}

TEST(KvCache, DecodingTokenByTokenMatchesFullCausalAttention) {
  const std::vector<float> q = test::normal_values(kSteps * kHeads * kDim, 1);
  const std::vector<float> k = test::normal_values(kSteps * kKvHeads * kDim, 2);
  const std::vector<float> v = test::normal_values(kSteps * kKvHeads * kDim, 3);

  test::LoadedModel full_model = test::load_bytes(test::serialize(attention_graph(kSteps, false)));
  ASSERT_TRUE(full_model.model);
  std::unique_ptr<Session> full = test::make_session(*full_model.model);
  ASSERT_TRUE(full);
  std::copy(q.begin(), q.end(), full->input(0).f32());
  std::copy(k.begin(), k.end(), full->input(1).f32());
  std::copy(v.begin(), v.end(), full->input(2).f32());
  ASSERT_TRUE(full->run().ok());
  const float* want = full->output(0).f32();
  double max_y = 0.0;
  for (int64_t i = 0; i < kSteps * kHeads * kDim; ++i) max_y = std::max(max_y, double(std::fabs(want[i])));

  for (const auto& [cache_dtype, backend] :
       {std::pair{fb::DType::F32, "reference"}, {fb::DType::F32, "cpu"},
        {fb::DType::F16, "reference"}, {fb::DType::F16, "cpu"}}) {
    SCOPED_TRACE(std::string(backend) + (cache_dtype == fb::DType::F16 ? ", F16 cache" : ", F32 cache"));
    test::LoadedModel step_model =
        test::load_bytes(test::serialize(attention_graph(1, true, cache_dtype)));
    ASSERT_TRUE(step_model.model);
    std::unique_ptr<Session> step = test::make_session(*step_model.model, {backend, "reference"});
    ASSERT_TRUE(step);
    for (int pass = 0; pass < 2; ++pass) {  // the second pass after reset_state()
      double worst = 0.0;
      for (int64_t t = 0; t < kSteps; ++t) {
        copy_rows(q, t, kHeads * kDim, step->input(0));
        copy_rows(k, t, kKvHeads * kDim, step->input(1));
        copy_rows(v, t, kKvHeads * kDim, step->input(2));
        step->input(3).as<int32_t>()[0] = static_cast<int32_t>(t);
        ASSERT_TRUE(step->run().ok());
        for (int64_t i = 0; i < kHeads * kDim; ++i)
          worst = std::max(worst, double(std::fabs(step->output(0).f32()[i] -
                                                   want[t * kHeads * kDim + i])));
      }
      EXPECT_LT(worst, cache_dtype == fb::DType::F16 ? 2e-3 * max_y : 1e-5) << "pass " << pass;
      if (cache_dtype == fb::DType::F16) {
        EXPECT_GT(worst, 0.0) << "the cache must hold halves";
      }
      step->reset_state();
    }
    step->input(3).as<int32_t>()[0] = static_cast<int32_t>(kCapacity);
    EXPECT_FALSE(step->run().ok()) << "a position past the cache must be refused";
  }
}

TEST(KvCache, StateTensorsAreNeitherGraphInputsNorOutputs) {
  convert::Graph as_input = attention_graph(1, true);
  as_input.inputs.push_back(3);  // k_cache
  EXPECT_FALSE(test::load_bytes_status(test::serialize(as_input)).ok());
  convert::Graph as_output = attention_graph(1, true);
  as_output.outputs.push_back(4);  // v_cache
  EXPECT_FALSE(test::load_bytes_status(test::serialize(as_output)).ok());
  convert::Graph plain = attention_graph(1, true);
  plain.values[3].is_state = false;
  const Status status = test::load_bytes_status(test::serialize(plain));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message()).find("k_cache"), std::string::npos)
      << "message: " << status.message();
}

TEST(KvCache, CachesOfAnotherDtypeOrOfTwoDtypesAreRefused) {
  convert::Graph mixed = attention_graph(1, true, fb::DType::F16);
  mixed.values[4].dtype = fb::DType::F32;  // v_cache
  Status status = test::load_bytes_status(test::serialize(mixed));
  EXPECT_EQ(status.code(), Code::kInvalidModel);
  EXPECT_NE(std::string(status.message()).find("the caches (F16 [16, 2, 8] and F32"), std::string::npos)
      << "message: " << status.message();
  convert::Graph int8 = attention_graph(1, true, fb::DType::I8);
  status = test::load_bytes_status(test::serialize(int8));
  EXPECT_EQ(status.code(), Code::kUnsupported);
  EXPECT_NE(std::string(status.message()).find("(F32 or F16)"), std::string::npos)
      << "message: " << status.message();
}

}  // namespace
}  // namespace sprig
