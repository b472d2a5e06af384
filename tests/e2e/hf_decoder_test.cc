// Hugging Face decoders (models/hf/make_hf_fixtures.py: Llama with GQA, tied bf16 Llama with
// llama3 rope scaling, sharded f16 Llama, Qwen2 with q/k/v biases, Mistral) converted and run on
// the reference backend against PyTorch: the prompt's logits in one run (max |err| <= 1e-4 x
// max |logit|), then the prompt fed one token at a time through the KV cache and 64 tokens of
// greedy decoding, which must be PyTorch's tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "converter/convert.h"
#include "converter/ir/error.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

const char* const kCases[] = {"llama_tiny", "llama_tied_bf16", "llama_sharded", "qwen2_tiny",
                              "mistral_tiny"};

std::string case_dir(const std::string& name) { return fixtures_dir() + "/hf/" + name; }

std::unique_ptr<Session> decoder_session(const LoadedModel& loaded) {
  return loaded.model ? make_session(*loaded.model) : nullptr;
}

LoadedModel convert_decoder(const std::string& dir, int64_t tokens_per_run) {
  convert::ConvertOptions options;
  options.tokens_per_run = tokens_per_run;
  options.context = 96;
  convert::Graph graph = convert::import_hf(dir, options);
  convert::optimize_graph(graph, options);
  return load_bytes(serialize(graph));
}

// Runs tokens[first, first + count) at their positions; returns the logits of every position.
std::vector<float> run_tokens(Session& session, const std::vector<float>& tokens, size_t first,
                              size_t count) {
  for (size_t i = 0; i < count; ++i) {
    session.input(0).as<int32_t>()[i] = static_cast<int32_t>(tokens[first + i]);
    session.input(1).as<int32_t>()[i] = static_cast<int32_t>(first + i);
  }
  EXPECT_TRUE(session.run().ok());
  const TensorView& out = session.output(0);
  return std::vector<float>(out.f32(), out.f32() + out.shape.numel());
}

int argmax(const float* v, size_t n) { return static_cast<int>(std::max_element(v, v + n) - v); }

class HfDecoderTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HfDecoderTest, PromptLogitsAndGreedyTokensMatchPyTorch) {
  const std::string dir = case_dir(GetParam());
  ASSERT_TRUE(std::filesystem::exists(dir + "/config.json"))
      << dir << " is missing: run models/hf/make_hf_fixtures.py --out " << fixtures_dir() << "/hf";
  std::vector<int64_t> logits_shape;
  const std::vector<float> prompt = read_npy_f32(dir + "/tokens.npy");
  const std::vector<float> want_logits = read_npy_f32(dir + "/logits.npy", &logits_shape);
  const std::vector<float> want_greedy = read_npy_f32(dir + "/greedy.npy");
  const size_t vocab = static_cast<size_t>(logits_shape.at(1));

  LoadedModel whole = convert_decoder(dir, static_cast<int64_t>(prompt.size()));
  std::unique_ptr<Session> session = decoder_session(whole);
  ASSERT_TRUE(session);
  const std::vector<float> logits = run_tokens(*session, prompt, 0, prompt.size());
  ASSERT_EQ(logits.size(), want_logits.size());
  double max_logit = 0.0, max_err = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    max_logit = std::max(max_logit, double(std::fabs(want_logits[i])));
    max_err = std::max(max_err, double(std::fabs(logits[i] - want_logits[i])));
  }
  EXPECT_LE(max_err, 1e-4 * max_logit);

  LoadedModel stepper = convert_decoder(dir, 1);
  std::unique_ptr<Session> step = decoder_session(stepper);
  ASSERT_TRUE(step);
  std::vector<float> sequence = prompt;
  std::vector<float> last;
  for (size_t i = 0; i < prompt.size(); ++i) last = run_tokens(*step, sequence, i, 1);
  size_t same = 0;
  for (size_t n = 0; n < want_greedy.size(); ++n) {
    const int next = argmax(last.data(), vocab);
    same += next == static_cast<int>(want_greedy[n]);
    if (next != static_cast<int>(want_greedy[n])) break;
    sequence.push_back(static_cast<float>(next));
    if (n + 1 < want_greedy.size()) last = run_tokens(*step, sequence, sequence.size() - 1, 1);
  }
  std::printf("[ figures  ] %s: prompt logits max |err| %.3g (max |logit| %.3g, ratio %.2g); "
              "greedy %zu/%zu tokens as PyTorch\n",
              GetParam(), max_err, max_logit, max_err / max_logit, same, want_greedy.size());
  EXPECT_EQ(same, want_greedy.size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfDecoderTest, ::testing::ValuesIn(kCases));

TEST(HfDecoder, RefusesWhatItCannotConvert) {
  const std::string dir = case_dir("llama_tiny");
  convert::ConvertOptions options;
  options.context = 4;
  options.tokens_per_run = 8;
  EXPECT_THROW(convert::import_hf(dir, options), convert::ConvertError);
  EXPECT_THROW(convert::import_hf(fixtures_dir() + "/hf/absent", {}), convert::ConvertError);
}

}  // namespace
}  // namespace sprig::test
