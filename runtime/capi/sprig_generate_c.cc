// The C API's text generation: sprig_generator wraps the model's tokenizer and an llm::Generator.
#include <new>

#include "runtime/capi/handles.h"
#include "runtime/llm/generator.h"

struct sprig_generator {
  std::unique_ptr<sprig::llm::Tokenizer> tokenizer;
  std::unique_ptr<sprig::llm::Generator> generator;
  bool parse_special = false;
};

namespace {

using sprig::capi::invalid_argument;
using sprig::capi::report;

struct Callback {
  sprig_text_callback function;
  void* user_data;
};

bool forward_text(void* context, const char* text, size_t size) {
  const auto* callback = static_cast<const Callback*>(context);
  return callback->function(callback->user_data, text, size) != 0;
}

}  // namespace

extern "C" {

void sprig_generate_options_init(sprig_generate_options* options) {
  if (options == nullptr) return;
  *options = sprig_generate_options{};
  options->max_new_tokens = 128;
  options->top_p = 1.0f;
  options->repetition_penalty = 1.0f;
}

sprig_status sprig_generator_create(sprig_session* session, const sprig_generate_options* options,
                                    sprig_generator** out_generator) {
  if (out_generator == nullptr) return invalid_argument("out_generator is null");
  *out_generator = nullptr;
  if (session == nullptr) return invalid_argument("session is null");
  sprig_generate_options defaults;
  sprig_generate_options_init(&defaults);
  const sprig_generate_options& o = options ? *options : defaults;
  if (o.num_stop_strings < 0 || (o.num_stop_strings > 0 && o.stop_strings == nullptr)) {
    return invalid_argument("stop_strings does not hold num_stop_strings strings");
  }
  const sprig::fb::Tokenizer* table = session->session->model().tokenizer();
  if (table == nullptr) return invalid_argument("the model has no tokenizer");

  sprig::llm::GenerateOptions generate;
  generate.max_new_tokens = o.max_new_tokens;
  generate.sampling.temperature = o.temperature;
  generate.sampling.top_k = o.top_k;
  generate.sampling.top_p = o.top_p;
  generate.sampling.min_p = o.min_p;
  generate.sampling.repetition_penalty = o.repetition_penalty;
  generate.sampling.seed = o.seed;
  for (int32_t i = 0; i < o.num_stop_strings; ++i) {
    if (o.stop_strings[i] == nullptr) return invalid_argument("a stop string is null");
    generate.stop_strings.emplace_back(o.stop_strings[i]);
  }

  auto handle = std::unique_ptr<sprig_generator>(new (std::nothrow) sprig_generator);
  if (!handle) return report(sprig::Status(sprig::Code::kOutOfMemory, "out of memory"));
  auto tokenizer = sprig::llm::Tokenizer::create(*table);
  if (!tokenizer.ok()) return report(tokenizer.status());
  handle->tokenizer = std::move(*tokenizer);
  auto generator = sprig::llm::Generator::create(*session->session, *handle->tokenizer, generate);
  if (!generator.ok()) return report(generator.status());
  handle->generator = std::move(*generator);
  handle->parse_special = o.parse_special != 0;
  *out_generator = handle.release();
  return SPRIG_OK;
}

void sprig_generator_free(sprig_generator* generator) { delete generator; }

sprig_status sprig_generator_generate(sprig_generator* generator, const char* prompt,
                                      sprig_text_callback callback, void* user_data,
                                      sprig_generation_stats* stats) {
  if (generator == nullptr) return invalid_argument("generator is null");
  if (prompt == nullptr) return invalid_argument("prompt is null");
  Callback forward{callback, user_data};
  sprig::llm::GenerationStats s;
  const sprig::Status status = generator->generator->generate(
      prompt, generator->parse_special, callback ? forward_text : nullptr, &forward, &s);
  if (stats != nullptr) {
    stats->prompt_tokens = s.prompt_tokens;
    stats->generated_tokens = s.generated_tokens;
    stats->prefill_ms = s.prefill_ms;
    stats->decode_ms = s.decode_ms;
    stats->stop_reason = static_cast<sprig_stop_reason>(s.reason);
  }
  return report(status);
}

void sprig_generator_reset(sprig_generator* generator) {
  if (generator != nullptr) generator->generator->reset();
}

}  // extern "C"
