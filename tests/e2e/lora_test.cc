// LoRA adapters on the Hugging Face decoder fixtures (models/hf/make_hf_fixtures.py: a PEFT
// adapter of rank 4 on q_proj, v_proj, gate_proj and down_proj of Llama and Qwen2), imported by the
// converter and bound unmerged to sessions on the reference and CPU backends: the prompt's logits
// against PyTorch's with the adapter merged (max |err| <= 1e-4 x max |logit|), F16 matrices within
// their rounding, an int8 base staying as close to PyTorch's adapted model as it is to the base;
// unbinding gives the base model's logits again, two sessions on one model run with and without
// the adapter, and an adapter for another base is refused naming both hashes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "converter/adapter/peft_import.h"
#include "converter/convert.h"
#include "converter/quantize/quantize_weights.h"
#include "runtime/llm/decoder.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

std::string case_dir(const std::string& name) { return fixtures_dir() + "/hf/" + name; }

LoadedModel convert_decoder(const std::string& dir, bool int8 = false) {
  convert::ConvertOptions options;
  options.tokens_per_run = 8;
  options.context = 32;
  convert::Graph graph = convert::import_hf(dir, options);
  convert::optimize_graph(graph, options);
  if (int8) {
    convert::WeightQuantOptions quant;
    quant.scheme = convert::WeightScheme::kInt8PerChannel;
    convert::quantize_weights(graph, quant);
  }
  return load_bytes(serialize(graph));
}

struct LoadedAdapter {
  LoadedAdapter(const Model& base, const std::string& peft_dir, fb::DType dtype) {
    const std::vector<convert::LoraWeights> targets = convert::import_peft(peft_dir);
    const std::vector<uint8_t> bytes =
        convert::serialize_adapter(targets, convert::check_adapter_fits(base, targets), dtype, {});
    storage = aligned_copy(bytes);
    auto loaded = Adapter::load_from_memory(storage.get(), bytes.size());
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    if (loaded.ok()) adapter = std::move(loaded.value());
  }
  std::shared_ptr<uint8_t> storage;
  std::unique_ptr<Adapter> adapter;
};

// max |logits - want| over the prompt, run in chunks of 8 from an empty cache.
double prompt_error(Session& session, const std::vector<int32_t>& prompt,
                    const std::vector<float>& want, double* max_want = nullptr) {
  Result<llm::Decoder> bound = llm::Decoder::bind(session);
  EXPECT_TRUE(bound.ok()) << bound.status().message();
  if (!bound.ok()) return INFINITY;
  llm::Decoder& decoder = *bound;
  const size_t vocab = static_cast<size_t>(decoder.vocab());
  double err = 0.0, top = 0.0;
  decoder.reset();
  for (size_t first = 0; first < prompt.size();) {
    const int count = static_cast<int>(std::min<size_t>(8, prompt.size() - first));
    EXPECT_TRUE(decoder.run(prompt.data() + first, count, static_cast<int>(first), count).ok());
    for (int r = 0; r < count; ++r)
      for (size_t v = 0; v < vocab; ++v) {
        const double w = want[(first + static_cast<size_t>(r)) * vocab + v];
        top = std::max(top, std::fabs(w));
        err = std::max(err, std::fabs(decoder.logits(r)[v] - w));
      }
    first += static_cast<size_t>(count);
  }
  if (max_want != nullptr) *max_want = top;
  return err;
}

class LoraTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(LoraTest, UnmergedAdapterMatchesPyTorchAndUnbinds) {
  const auto [name, backend] = GetParam();
  const std::string dir = case_dir(name);
  ASSERT_TRUE(std::filesystem::exists(dir + "/lora/adapter_config.json"))
      << "run models/hf/make_hf_fixtures.py --out " << fixtures_dir() << "/hf";
  const std::vector<float> tokens = read_npy_f32(dir + "/tokens.npy");
  const std::vector<int32_t> prompt(tokens.begin(), tokens.end());
  const std::vector<float> base_logits = read_npy_f32(dir + "/logits.npy");
  const std::vector<float> lora_logits = read_npy_f32(dir + "/lora/logits.npy");

  LoadedModel model = convert_decoder(dir);
  ASSERT_TRUE(model.model);
  LoadedAdapter f32(*model.model, dir + "/lora", fb::DType::F32);
  LoadedAdapter f16(*model.model, dir + "/lora", fb::DType::F16);
  ASSERT_TRUE(f32.adapter && f16.adapter);
  std::unique_ptr<Session> adapted = make_session(*model.model, {backend, "reference"});
  std::unique_ptr<Session> plain = make_session(*model.model, {backend, "reference"});
  ASSERT_TRUE(adapted && plain);

  double max_lora = 0.0, max_base = 0.0;
  const double shift = prompt_error(*plain, prompt, lora_logits, &max_lora);
  ASSERT_TRUE(adapted->bind_adapter(*f32.adapter).ok());
  const double err = prompt_error(*adapted, prompt, lora_logits);
  const double plain_err = prompt_error(*plain, prompt, base_logits, &max_base);
  EXPECT_GT(shift, 0.1 * max_lora) << "the adapter must move the logits";
  EXPECT_LE(err, 1e-4 * max_lora);
  EXPECT_LE(plain_err, 1e-4 * max_base) << "a session beside the adapted one runs the base";

  ASSERT_TRUE(adapted->bind_adapter(*f16.adapter).ok());  // both bound: twice the delta
  ASSERT_TRUE(adapted->unbind_adapter(*f32.adapter).ok());
  const double f16_err = prompt_error(*adapted, prompt, lora_logits);
  EXPECT_LE(f16_err, 2e-3 * max_lora);
  EXPECT_GT(f16_err, 0.0);
  adapted->unbind_adapters();
  const double unbound_err = prompt_error(*adapted, prompt, base_logits);
  EXPECT_LE(unbound_err, 1e-4 * max_base);
  ASSERT_TRUE(adapted->bind_adapter(*f32.adapter, 0.0f).ok());
  EXPECT_LE(prompt_error(*adapted, prompt, base_logits), 1e-4 * max_base) << "scale 0";
  EXPECT_EQ(adapted->unbind_adapter(*f16.adapter).code(), Code::kInvalidArgument);

  LoadedModel int8 = convert_decoder(dir, true);
  ASSERT_TRUE(int8.model);
  LoadedAdapter for_int8(*int8.model, dir + "/lora", fb::DType::F32);
  std::unique_ptr<Session> quantized = make_session(*int8.model, {backend, "reference"});
  const double int8_base_err = prompt_error(*quantized, prompt, base_logits);
  ASSERT_TRUE(quantized->bind_adapter(*for_int8.adapter).ok());
  const double int8_lora_err = prompt_error(*quantized, prompt, lora_logits);
  EXPECT_LE(int8_lora_err, 2 * int8_base_err + 1e-4 * max_lora);
  std::printf("[ figures  ] %s on %s: with the adapter max |err| %.3g (max |logit| %.3g, ratio %.2g), "
              "F16 matrices %.3g, unbound %.3g; int8 base %.3g without and %.3g with the adapter\n",
              name, backend, err, max_lora, err / max_lora, f16_err, unbound_err, int8_base_err,
              int8_lora_err);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LoraTest,
                         ::testing::Combine(::testing::Values("llama_tiny", "qwen2_tiny"),
                                            ::testing::Values("reference", "cpu")));

TEST(Lora, AdapterForAnotherBaseIsRefusedNamingBothHashes) {
  LoadedModel llama = convert_decoder(case_dir("llama_tiny"));
  LoadedModel qwen = convert_decoder(case_dir("qwen2_tiny"));
  ASSERT_TRUE(llama.model && qwen.model);
  LoadedAdapter adapter(*qwen.model, case_dir("qwen2_tiny") + "/lora", fb::DType::F32);
  ASSERT_TRUE(adapter.adapter);
  std::unique_ptr<Session> session = make_session(*llama.model, {"cpu", "reference"});
  const Status status = session->bind_adapter(*adapter.adapter);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  const std::string message = status.message();
  EXPECT_NE(message.find(std::string(qwen.model->content_hash()).substr(0, 16)), std::string::npos) << message;
  EXPECT_NE(message.find(std::string(llama.model->content_hash()).substr(0, 16)), std::string::npos) << message;
  EXPECT_EQ(session->num_bound_adapters(), 0);
  EXPECT_THROW(convert::check_adapter_fits(*llama.model, convert::import_peft(case_dir("qwen2_tiny") + "/lora")),
               convert::ConvertError);
}

}  // namespace
}  // namespace sprig::test
