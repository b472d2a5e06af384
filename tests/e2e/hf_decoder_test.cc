// Hugging Face decoders (models/hf/make_hf_fixtures.py: Llama with GQA, tied bf16 Llama with
// llama3 rope scaling, sharded f16 Llama, Qwen2 with q/k/v biases, Mistral) converted and run on
// the reference and CPU backends against PyTorch, one file each with up to 8 tokens per run: the
// prompt's logits in runs of 8 and 4 (max |err| <= 1e-4 x max |logit|), then the prompt fed one
// token at a time through the KV cache and 64 tokens of greedy decoding, which must be PyTorch's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "converter/convert.h"
#include "converter/ir/error.h"
#include "runtime/llm/decoder.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

const char* const kCases[] = {"llama_tiny", "llama_tied_bf16", "llama_sharded", "qwen2_tiny",
                              "mistral_tiny"};

std::string case_dir(const std::string& name) { return fixtures_dir() + "/hf/" + name; }

LoadedModel convert_decoder(const std::string& dir, int64_t tokens_per_run) {
  convert::ConvertOptions options;
  options.tokens_per_run = tokens_per_run;
  options.context = 96;
  convert::Graph graph = convert::import_hf(dir, options);
  convert::optimize_graph(graph, options);
  return load_bytes(serialize(graph));
}

std::vector<int32_t> as_ids(const std::vector<float>& v) { return std::vector<int32_t>(v.begin(), v.end()); }

int argmax(const float* v, size_t n) { return static_cast<int>(std::max_element(v, v + n) - v); }

class HfDecoderTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

// One file per fixture (up to 8 tokens per run): the 12-token prompt in runs of 8 and 4 with the
// logits of every token, then from an empty cache one token per run with the last token's logits.
TEST_P(HfDecoderTest, PromptLogitsAndGreedyTokensMatchPyTorch) {
  const auto [name, backend] = GetParam();
  const std::string dir = case_dir(name);
  ASSERT_TRUE(std::filesystem::exists(dir + "/config.json"))
      << dir << " is missing: run models/hf/make_hf_fixtures.py --out " << fixtures_dir() << "/hf";
  std::vector<int64_t> logits_shape;
  const std::vector<int32_t> prompt = as_ids(read_npy_f32(dir + "/tokens.npy"));
  const std::vector<float> want_logits = read_npy_f32(dir + "/logits.npy", &logits_shape);
  const std::vector<float> want_greedy = read_npy_f32(dir + "/greedy.npy");
  const size_t vocab = static_cast<size_t>(logits_shape.at(1));
  ASSERT_EQ(want_logits.size(), prompt.size() * vocab);

  LoadedModel loaded = convert_decoder(dir, 8);
  ASSERT_TRUE(loaded.model);
  std::unique_ptr<Session> session = make_session(*loaded.model, {backend, "reference"});
  ASSERT_TRUE(session);
  Result<llm::Decoder> bound = llm::Decoder::bind(*session);
  ASSERT_TRUE(bound.ok()) << bound.status().message();
  llm::Decoder& decoder = *bound;
  ASSERT_EQ(decoder.max_tokens(), 8);
  double max_logit = 0.0, max_err = 0.0;
  for (size_t first = 0; first < prompt.size();) {
    const int count = static_cast<int>(std::min<size_t>(8, prompt.size() - first));
    ASSERT_TRUE(decoder.run(prompt.data() + first, count, static_cast<int>(first), count).ok());
    ASSERT_EQ(session->output(0).shape[0], count);
    for (int r = 0; r < count; ++r) {
      for (size_t v = 0; v < vocab; ++v) {
        const double want = want_logits[(first + static_cast<size_t>(r)) * vocab + v];
        max_logit = std::max(max_logit, std::fabs(want));
        max_err = std::max(max_err, std::fabs(decoder.logits(r)[v] - want));
      }
    }
    first += static_cast<size_t>(count);
  }
  EXPECT_LE(max_err, 1e-4 * max_logit);

  decoder.reset();
  std::vector<int32_t> sequence = prompt;
  for (size_t i = 0; i < prompt.size(); ++i)
    ASSERT_TRUE(decoder.run(&sequence[i], 1, static_cast<int>(i)).ok());
  size_t same = 0;
  for (size_t n = 0; n < want_greedy.size(); ++n) {
    const int next = argmax(decoder.logits(0), vocab);
    same += next == static_cast<int>(want_greedy[n]);
    if (next != static_cast<int>(want_greedy[n])) break;
    sequence.push_back(next);
    if (n + 1 < want_greedy.size()) {
      ASSERT_TRUE(decoder.run(&sequence.back(), 1, static_cast<int>(sequence.size() - 1)).ok());
    }
  }
  std::printf("[ figures  ] %s on %s: prompt logits max |err| %.3g (max |logit| %.3g, ratio %.2g); "
              "greedy %zu/%zu tokens as PyTorch\n",
              name, backend, max_err, max_logit, max_err / max_logit, same, want_greedy.size());
  EXPECT_EQ(same, want_greedy.size());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfDecoderTest,
                         ::testing::Combine(::testing::ValuesIn(kCases), ::testing::Values("reference", "cpu")));

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
