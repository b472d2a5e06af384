// The trained tiny Llama (models/text/tiny_llama, with its SentencePiece tokenizer) converted
// and generating:
//   - the embedded tokenizer encodes each prompt as the sentencepiece library does, and greedy
//     generation through llm::Generator (chunked prefill, then one token at a time) gives
//     PyTorch's tokens (fixtures/text/greedy.json from models/text/reference_generation.py);
//   - the streamed text is the decoded tokens; stop strings and the context limit end it;
//   - held-out perplexity: fp32 equals PyTorch's (heldout_perplexity.json), an F16 KV cache stays
//     within 0.2% of it, int8 weights within 1% and int4 g32 within 8%.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "converter/convert.h"
#include "converter/quantize/quantize_weights.h"
#include "runtime/llm/decoder.h"
#include "runtime/llm/generator.h"
#include "sprig/sprig.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

using nlohmann::json;

std::string model_dir() { return source_dir() + "/models/text/tiny_llama"; }

std::vector<uint8_t> convert_tiny_llama(int64_t tokens_per_run, int64_t context,
                                        convert::WeightScheme scheme = convert::WeightScheme::kNone,
                                        fb::DType weight_dtype = fb::DType::F32,
                                        fb::DType kv_cache_dtype = fb::DType::F32) {
  convert::ConvertOptions options;
  options.kv_cache_dtype = kv_cache_dtype;
  options.tokens_per_run = tokens_per_run;
  options.context = context;
  options.weight_dtype = weight_dtype;
  convert::Graph graph = convert::import_hf(model_dir(), options);
  convert::optimize_graph(graph, options);
  if (scheme != convert::WeightScheme::kNone) {
    convert::WeightQuantOptions quant;
    quant.scheme = scheme;
    convert::quantize_weights(graph, quant);
  }
  return serialize(graph);
}

json read_json(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file.good()) << "cannot read " << path;
  return json::parse(file);
}

struct Loaded {
  LoadedModel model;
  std::unique_ptr<Session> session;
  std::unique_ptr<llm::Tokenizer> tokenizer;
};

Loaded load_with_tokenizer(const std::vector<uint8_t>& bytes) {
  Loaded loaded;
  loaded.model = load_bytes(bytes);
  EXPECT_TRUE(loaded.model.model);
  if (!loaded.model.model) return loaded;
  loaded.session = make_session(*loaded.model.model, {"cpu", "reference"});
  const fb::Tokenizer* table = loaded.model.model->tokenizer();
  EXPECT_NE(table, nullptr) << "no tokenizer in the converted file";
  if (!table) return loaded;
  auto tokenizer = llm::Tokenizer::create(*table);
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().message();
  if (tokenizer.ok()) loaded.tokenizer = std::move(*tokenizer);
  return loaded;
}

// The text of generated `ids` as a reply streams it: continuing a prompt, so a leading space stays.
std::string reply_text(const llm::Tokenizer& tokenizer, const std::vector<int32_t>& ids, size_t count) {
  llm::TextStreamDecoder decoder(tokenizer);
  decoder.reset(/*at_text_start=*/false);
  std::string text;
  for (size_t i = 0; i < count; ++i) text.append(decoder.push(ids[i]));
  text.append(decoder.finish());
  return text;
}

bool append_text(void* context, const char* text, size_t size) {
  static_cast<std::string*>(context)->append(text, size);
  return true;
}

TEST(Generation, GreedyTokensMatchPyTorchThroughChunkedPrefill) {
  const json cases = read_json(fixtures_dir() + "/text/greedy.json")["cases"];
  ASSERT_GE(cases.size(), 1u);
  for (int64_t chunk : {1, 8}) {
    Loaded loaded = load_with_tokenizer(convert_tiny_llama(chunk, 128));
    ASSERT_TRUE(loaded.session && loaded.tokenizer);
    for (const json& c : cases) {
      const std::string prompt = c["prompt"].get<std::string>();
      const auto want_prompt = c["prompt_ids"].get<std::vector<int32_t>>();
      const auto want = c["greedy_ids"].get<std::vector<int32_t>>();
      std::vector<int32_t> prompt_ids;
      ASSERT_TRUE(loaded.tokenizer->encode(prompt, llm::EncodeOptions(), &prompt_ids).ok());
      EXPECT_EQ(prompt_ids, want_prompt) << "'" << prompt << "'";

      llm::GenerateOptions options;
      options.max_new_tokens = static_cast<int>(want.size());
      options.stop_at_eos = false;
      auto generator = llm::Generator::create(*loaded.session, *loaded.tokenizer, options);
      ASSERT_TRUE(generator.ok()) << generator.status().message();
      std::string text;
      llm::GenerationStats stats;
      ASSERT_TRUE((*generator)->generate(prompt, false, append_text, &text, &stats).ok());
      EXPECT_EQ(stats.prompt_tokens, static_cast<int>(want_prompt.size()));
      EXPECT_EQ(stats.generated_tokens, static_cast<int>(want.size()));
      const std::vector<int32_t>& history = (*generator)->tokens();
      const std::vector<int32_t> got(history.begin() + static_cast<std::ptrdiff_t>(want_prompt.size()), history.end());
      EXPECT_EQ(got, want) << "chunk " << chunk << ", '" << prompt << "'";
      EXPECT_EQ(text, reply_text(*loaded.tokenizer, want, want.size())) << "chunk " << chunk;
    }
  }
}

TEST(Generation, StopStringsAndTheContextLimitEndGeneration) {
  const json c = read_json(fixtures_dir() + "/text/greedy.json")["cases"][0];
  const std::string prompt = c["prompt"].get<std::string>();
  const auto want = c["greedy_ids"].get<std::vector<int32_t>>();
  Loaded loaded = load_with_tokenizer(convert_tiny_llama(4, 24));
  ASSERT_TRUE(loaded.session && loaded.tokenizer);
  const std::string full = reply_text(*loaded.tokenizer, want, want.size());
  ASSERT_GE(full.size(), 12u);

  llm::GenerateOptions options;
  options.max_new_tokens = 200;
  options.stop_at_eos = false;
  options.stop_strings = {full.substr(6, 4)};
  auto generator = llm::Generator::create(*loaded.session, *loaded.tokenizer, options);
  ASSERT_TRUE(generator.ok());
  std::string text;
  llm::GenerationStats stats;
  ASSERT_TRUE((*generator)->generate(prompt, false, append_text, &text, &stats).ok());
  EXPECT_EQ(stats.reason, llm::StopReason::kStopString);
  EXPECT_EQ(text, full.substr(0, full.find(options.stop_strings[0])));

  options.stop_strings.clear();
  auto unbounded = llm::Generator::create(*loaded.session, *loaded.tokenizer, options);
  ASSERT_TRUE(unbounded.ok());
  (*unbounded)->reset();
  ASSERT_TRUE((*unbounded)->generate(prompt, false, nullptr, nullptr, &stats).ok());
  EXPECT_EQ(stats.reason, llm::StopReason::kContextFull);
  EXPECT_EQ((*unbounded)->position(), 24);
  EXPECT_EQ(stats.prompt_tokens + stats.generated_tokens, 25);  // the last one sampled, not fed
  const Status full_prompt = (*unbounded)->generate(prompt, false, nullptr, nullptr, &stats);
  EXPECT_EQ(full_prompt.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(full_prompt.message()).find("do not fit in the context"), std::string::npos);
}

// Perplexity as heldout_perplexity.json defines it: windows start at s = 0, W, 2W, ... (s < N - 1),
// each a fresh context at positions 0.. reading ids[s, s + W) and scored on ids[s + 1, s + W + 1)
// (shorter at the end), so every token but the first is a target once.
double perplexity(Session& session, const std::vector<float>& tokens, int window) {
  Result<llm::Decoder> bound = llm::Decoder::bind(session);
  EXPECT_TRUE(bound.ok()) << bound.status().message();
  if (!bound.ok()) return 0;
  llm::Decoder& decoder = *bound;
  const auto vocab = static_cast<size_t>(decoder.vocab());
  const size_t w = static_cast<size_t>(window);
  std::vector<int32_t> ids(tokens.begin(), tokens.end());
  double nll = 0;
  size_t scored = 0;
  for (size_t start = 0; start + 1 < tokens.size(); start += w) {
    const int length = static_cast<int>(std::min(w, tokens.size() - 1 - start));
    decoder.reset();
    EXPECT_TRUE(decoder.run(ids.data() + start, length, 0, length).ok());
    for (int i = 0; i < length; ++i) {
      const float* row = decoder.logits(i);
      const float top = *std::max_element(row, row + vocab);
      double sum = 0;
      for (size_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v]) - top);
      const auto target = static_cast<size_t>(ids[start + static_cast<size_t>(i) + 1]);
      nll += std::log(sum) + top - row[target];
      ++scored;
    }
  }
  return std::exp(nll / static_cast<double>(scored));
}

TEST(Generation, HeldOutPerplexityFp32Int8AndInt4) {
  const json reference = read_json(model_dir() + "/heldout_perplexity.json");
  const int window = 128;  // heldout_perplexity.json's "windowing"
  const double torch_ppl = reference["perplexity"].get<double>();
  const std::vector<float> tokens = read_npy_f32(model_dir() + "/heldout_tokens.npy");
  double fp32 = 0;
  for (convert::WeightScheme scheme :
       {convert::WeightScheme::kNone, convert::WeightScheme::kInt8PerChannel, convert::WeightScheme::kInt4Grouped}) {
    LoadedModel loaded = load_bytes(convert_tiny_llama(window, window, scheme));
    ASSERT_TRUE(loaded.model);
    std::unique_ptr<Session> session = make_session(*loaded.model, {"cpu", "reference"});
    const double ppl = perplexity(*session, tokens, window);
    std::printf("held-out perplexity (%zu tokens, windows of %d): %s %.4f (PyTorch fp32 %.4f)\n",
                tokens.size(), window,
                scheme == convert::WeightScheme::kNone ? "fp32" : scheme == convert::WeightScheme::kInt8PerChannel ? "int8" : "int4 g32",
                ppl, torch_ppl);
    if (scheme == convert::WeightScheme::kNone) {
      fp32 = ppl;
      EXPECT_NEAR(ppl, torch_ppl, 1e-3 * torch_ppl);
      // The checkpoint is f16: stored as F16 (the embedding table too), the model is the same.
      LoadedModel f16 = load_bytes(convert_tiny_llama(window, window, scheme, fb::DType::F16));
      ASSERT_TRUE(f16.model);
      for (int o = 0; o < f16.model->num_ops(); ++o) {
        const int table = f16.model->op(o).inputs()->Get(0);
        if (f16.model->op(o).type() == fb::OpType::Gather && f16.model->is_constant(table)) {
          EXPECT_EQ(f16.model->tensor(table).dtype, DType::F16);
        }
      }
      std::unique_ptr<Session> f16_session = make_session(*f16.model, {"cpu", "reference"});
      const double f16_ppl = perplexity(*f16_session, tokens, window);
      std::printf("held-out perplexity, weights and embedding table stored as F16: %.4f\n", f16_ppl);
      EXPECT_NEAR(f16_ppl, fp32, 1e-4 * fp32);
      LoadedModel f16_cache = load_bytes(
          convert_tiny_llama(window, window, scheme, fb::DType::F32, fb::DType::F16));
      ASSERT_TRUE(f16_cache.model);
      std::unique_ptr<Session> cache_session = make_session(*f16_cache.model, {"cpu", "reference"});
      const double cache_ppl = perplexity(*cache_session, tokens, window);
      std::printf("held-out perplexity, F16 KV cache: %.6f\n", cache_ppl);
      EXPECT_NE(cache_ppl, fp32) << "the cache must hold halves";
      EXPECT_LE(std::fabs(cache_ppl / fp32 - 1), 0.002);
    } else if (scheme == convert::WeightScheme::kInt8PerChannel) {
      EXPECT_LE(std::fabs(ppl / fp32 - 1), 0.01);
    } else {
      EXPECT_LE(std::fabs(ppl / fp32 - 1), 0.08);
    }
  }
}

struct Streamed {
  std::string text;
  int calls = 0;
  int stop_after = 0;
};

int32_t collect(void* user_data, const char* text, size_t size) {
  auto* s = static_cast<Streamed*>(user_data);
  s->text.append(text, size);
  return ++s->calls != s->stop_after;
}

TEST(Generation, CApiStreamsAndCancels) {
  const json c = read_json(fixtures_dir() + "/text/greedy.json")["cases"][0];
  const auto want = c["greedy_ids"].get<std::vector<int32_t>>();
  const std::vector<uint8_t> bytes = convert_tiny_llama(4, 128);
  const std::string path = fixtures_dir() + "/text/tiny_llama_c_api.sprig";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  sprig_model* model = nullptr;
  ASSERT_EQ(sprig_model_load(path.c_str(), &model), SPRIG_OK) << sprig_last_error();
  sprig_session* session = nullptr;
  ASSERT_EQ(sprig_session_create(model, nullptr, &session), SPRIG_OK) << sprig_last_error();
  sprig_tensor_info tokens;  // tokens per run: a run-time leading dimension of up to 4
  ASSERT_EQ(sprig_session_input_info(session, 0, &tokens), SPRIG_OK);
  EXPECT_STREQ(tokens.name, "tokens");
  EXPECT_EQ(tokens.dynamic_dim0, 1);
  EXPECT_EQ(tokens.max_dim0, 4);
  ASSERT_EQ(sprig_session_set_rows(session, 0, 3), SPRIG_OK) << sprig_last_error();
  ASSERT_EQ(sprig_session_input_info(session, 1, &tokens), SPRIG_OK);  // positions follow
  EXPECT_EQ(tokens.dims[0], 3);
  EXPECT_EQ(tokens.bytes, 3 * sizeof(int32_t));
  EXPECT_EQ(sprig_session_set_rows(session, 0, 5), SPRIG_INVALID_ARGUMENT);
  sprig_generate_options options;
  sprig_generate_options_init(&options);
  options.max_new_tokens = static_cast<int32_t>(want.size());
  sprig_generator* generator = nullptr;
  ASSERT_EQ(sprig_generator_create(session, &options, &generator), SPRIG_OK) << sprig_last_error();

  Streamed streamed;
  sprig_generation_stats stats;
  ASSERT_EQ(sprig_generator_generate(generator, c["prompt"].get<std::string>().c_str(), collect, &streamed, &stats),
            SPRIG_OK);
  LoadedModel loaded = load_bytes(bytes);
  auto tokenizer = llm::Tokenizer::create(*loaded.model->tokenizer());
  ASSERT_TRUE(tokenizer.ok());
  size_t end = want.size();
  for (size_t i = 0; i < want.size(); ++i) {
    if ((*tokenizer)->is_eos(want[i])) {
      end = i;
      break;
    }
  }
  EXPECT_EQ(streamed.text, reply_text(**tokenizer, want, end));
  EXPECT_EQ(stats.stop_reason, end < want.size() ? SPRIG_STOP_EOS : SPRIG_STOP_MAX_TOKENS);

  sprig_generator_reset(generator);
  Streamed cancelled;
  cancelled.stop_after = 2;
  ASSERT_EQ(sprig_generator_generate(generator, c["prompt"].get<std::string>().c_str(), collect, &cancelled, &stats),
            SPRIG_OK);
  EXPECT_EQ(stats.stop_reason, SPRIG_STOP_CANCELLED);
  EXPECT_EQ(cancelled.calls, 2);

  EXPECT_EQ(sprig_generator_generate(generator, nullptr, collect, &cancelled, &stats), SPRIG_INVALID_ARGUMENT);
  sprig_generator_free(generator);
  sprig_session_free(session);
  sprig_model_free(model);
}

}  // namespace
}  // namespace sprig::test
