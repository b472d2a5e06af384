// Text generation over a decoder session (llm/decoder.h): the prompt is encoded and run in chunks
// of up to the model's tokens per run (prefill), then one token at a time is sampled, streamed as
// text and fed back (decode), until an EOS token, a stop string, the token budget or the end of
// the KV cache. Each run computes the logits of its last token only.
// create() reserves every buffer; feed() and the decode loop in generate() allocate nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/session.h"
#include "runtime/llm/decoder.h"
#include "runtime/llm/sampler.h"
#include "runtime/llm/tokenizer.h"

namespace sprig::llm {

struct GenerateOptions {
  int max_new_tokens = 128;
  SamplerOptions sampling;
  // Generation stops when the text contains one of these; the stop string and anything after it
  // are not passed on.
  std::vector<std::string> stop_strings;
  bool stop_at_eos = true;
};

enum class StopReason { kEos, kStopString, kMaxTokens, kContextFull, kCancelled };
const char* stop_reason_name(StopReason reason);

struct GenerationStats {
  int prompt_tokens = 0;
  int generated_tokens = 0;
  double prefill_ms = 0;
  double decode_ms = 0;  // sampling, feeding back and decoding text of the generated tokens
  StopReason reason = StopReason::kMaxTokens;
};

// Receives text as it is generated; returning false stops generation (kCancelled).
using TextCallback = bool (*)(void* context, const char* text, size_t size);

class Generator {
 public:
  // kInvalidArgument when the session's model lacks the inputs, output or caches above.
  static Result<std::unique_ptr<Generator>> create(Session& session, const Tokenizer& tokenizer,
                                                   const GenerateOptions& options);

  // Encodes `prompt` (BOS as the tokenizer says; special tokens parsed when parse_special),
  // appends it to the conversation so far and generates. The KV cache keeps the conversation:
  // call reset() to start over.
  Status generate(std::string_view prompt, bool parse_special, TextCallback callback, void* context,
                  GenerationStats* stats);

  // Generates after the whole conversation `ids` (a chat template's rendering, encoded). The KV
  // cache rows of the longest prefix shared with the tokens already run are kept; the rest is run.
  Status generate_after(const std::vector<int32_t>& ids, TextCallback callback, void* context,
                        GenerationStats* stats);

  // The lower-level steps generate() is made of.
  // Runs `ids` after the tokens so far; kInvalidArgument when they do not fit in the context.
  Status prefill(const int32_t* ids, size_t count);
  // Samples the next token from the last logits (no model run).
  int32_t sample_next();
  // Runs one token at the next position; kInvalidArgument at the end of the context.
  Status feed(int32_t id);

  const float* last_logits() const { return last_logits_.data(); }
  void reset();
  int position() const { return position_; }
  int context_size() const { return decoder_.context(); }
  int tokens_per_run() const { return decoder_.max_tokens(); }
  const std::vector<int32_t>& tokens() const { return history_; }

 private:
  Generator(const Decoder& decoder, const Tokenizer& tokenizer, const GenerateOptions& options);
  Status run_chunk(const int32_t* ids, int count);
  // Samples, streams and feeds back tokens until a stop condition; fills stats' decode fields.
  Status decode(TextCallback callback, void* context, GenerationStats* stats);
  // Passes on the part of held_ that cannot start a stop string; true when a stop string ended it.
  bool flush_text(bool final, TextCallback callback, void* context, bool* cancelled);

  Decoder decoder_;
  const Tokenizer& tokenizer_;
  GenerateOptions options_;
  std::unique_ptr<Sampler> sampler_;
  TextStreamDecoder text_;
  int position_ = 0;
  std::vector<int32_t> history_;
  std::vector<float> last_logits_;
  std::string held_;  // generated text not yet passed on (capacity reserved)
  size_t longest_stop_ = 0;
};

}  // namespace sprig::llm
