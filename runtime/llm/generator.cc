#include "runtime/llm/generator.h"

#include <algorithm>
#include <chrono>
#include <cstring>

namespace sprig::llm {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kEos: return "end of sequence";
    case StopReason::kStopString: return "stop string";
    case StopReason::kMaxTokens: return "token limit";
    case StopReason::kContextFull: return "context full";
    case StopReason::kCancelled: return "cancelled";
  }
  return "?";
}

Result<std::unique_ptr<Generator>> Generator::create(Session& session, const Tokenizer& tokenizer,
                                                     const GenerateOptions& options) {
  Result<Decoder> decoder = Decoder::bind(session);
  if (!decoder.ok()) {
    return Status::error(decoder.status().code(), "generate: %s", decoder.status().message());
  }
  const int vocab = decoder->vocab();
  if (vocab < tokenizer.vocab_size()) {
    return Status::error(Code::kInvalidArgument, "generate: the model's %d logits do not cover the tokenizer's %d tokens",
                         vocab, tokenizer.vocab_size());
  }
  if (options.max_new_tokens < 0) {
    return Status::error(Code::kInvalidArgument, "generate: max_new_tokens %d < 0", options.max_new_tokens);
  }
  for (const std::string& stop : options.stop_strings) {
    if (stop.empty()) return Status(Code::kInvalidArgument, "generate: an empty stop string");
  }
  SPRIG_ASSIGN_OR_RETURN(auto sampler, Sampler::create(options.sampling, vocab));
  std::unique_ptr<Generator> generator(new Generator(*decoder, tokenizer, options));
  generator->sampler_ = std::move(sampler);
  generator->history_.reserve(static_cast<size_t>(decoder->context()) + 1);
  generator->last_logits_.assign(static_cast<size_t>(vocab), 0.0f);
  for (const std::string& stop : options.stop_strings) {
    generator->longest_stop_ = std::max(generator->longest_stop_, stop.size());
  }
  generator->held_.reserve(generator->longest_stop_ + 3 * (tokenizer.max_token_bytes() + 16));
  return generator;
}

Generator::Generator(const Decoder& decoder, const Tokenizer& tokenizer, const GenerateOptions& options)
    : decoder_(decoder), tokenizer_(tokenizer), options_(options), text_(tokenizer) {}

void Generator::reset() {
  decoder_.reset();
  position_ = 0;
  history_.clear();
  text_.reset();
  held_.clear();
}

Status Generator::run_chunk(const int32_t* ids, int count) {
  SPRIG_RETURN_IF_ERROR(decoder_.run(ids, count, position_));
  std::copy(decoder_.logits(0), decoder_.logits(0) + decoder_.vocab(), last_logits_.begin());
  position_ += count;
  history_.insert(history_.end(), ids, ids + count);
  return Status();
}

Status Generator::prefill(const int32_t* ids, size_t count) {
  if (count == 0) return Status();
  if (count > static_cast<size_t>(context_size() - position_)) {
    return Status::error(Code::kInvalidArgument,
                         "generate: %zu prompt tokens do not fit in the context (%d of %d tokens used)", count,
                         position_, context_size());
  }
  for (size_t done = 0; done < count;) {
    const int n = static_cast<int>(std::min(count - done, static_cast<size_t>(tokens_per_run())));
    SPRIG_RETURN_IF_ERROR(run_chunk(ids + done, n));
    done += static_cast<size_t>(n);
  }
  return Status();
}

int32_t Generator::sample_next() {
  return sampler_->sample(last_logits_.data(), history_.data(), history_.size());
}

Status Generator::feed(int32_t id) {
  if (position_ >= context_size()) {
    return Status::error(Code::kInvalidArgument, "generate: the context of %d tokens is full", context_size());
  }
  return run_chunk(&id, 1);
}

bool Generator::flush_text(bool final, TextCallback callback, void* context, bool* cancelled) {
  size_t stop_at = std::string::npos;
  for (const std::string& stop : options_.stop_strings) stop_at = std::min(stop_at, held_.find(stop));
  const bool stopped = stop_at != std::string::npos;
  size_t ready = stopped ? stop_at : held_.size();
  if (!stopped && !final) {
    // Keep the longest tail that could still grow into a stop string.
    for (size_t keep = std::min(longest_stop_ - (longest_stop_ > 0), held_.size()); keep > 0; --keep) {
      const std::string_view tail(held_.data() + held_.size() - keep, keep);
      const bool prefix = std::any_of(options_.stop_strings.begin(), options_.stop_strings.end(),
                                      [&](const std::string& s) { return s.compare(0, keep, tail) == 0; });
      if (prefix) {
        ready = held_.size() - keep;
        break;
      }
    }
  }
  if (ready > 0 && callback && !callback(context, held_.data(), ready)) *cancelled = true;
  held_.erase(0, stopped ? held_.size() : ready);
  return stopped;
}

Status Generator::generate(std::string_view prompt, bool parse_special, TextCallback callback, void* context,
                           GenerationStats* stats) {
  GenerationStats local;
  GenerationStats& s = stats ? *stats : local;
  s = GenerationStats();
  std::vector<int32_t> ids;
  EncodeOptions encode;
  encode.add_bos = position_ == 0;
  encode.parse_special = parse_special;
  SPRIG_RETURN_IF_ERROR(tokenizer_.encode(prompt, encode, &ids));
  if (ids.empty() && position_ == 0) return Status(Code::kInvalidArgument, "generate: empty prompt");
  s.prompt_tokens = static_cast<int>(ids.size());
  const auto prefill_start = std::chrono::steady_clock::now();
  SPRIG_RETURN_IF_ERROR(prefill(ids.data(), ids.size()));
  s.prefill_ms = ms_since(prefill_start);
  return decode(callback, context, &s);
}

Status Generator::generate_after(const std::vector<int32_t>& ids, TextCallback callback, void* context,
                                 GenerationStats* stats) {
  GenerationStats local;
  GenerationStats& s = stats ? *stats : local;
  s = GenerationStats();
  if (ids.empty()) return Status(Code::kInvalidArgument, "generate: empty conversation");
  if (ids.size() > static_cast<size_t>(context_size())) {
    return Status::error(Code::kInvalidArgument, "generate: the conversation's %zu tokens do not fit in the context of %d",
                         ids.size(), context_size());
  }
  size_t kept = 0;
  while (kept < history_.size() && kept + 1 < ids.size() && history_[kept] == ids[kept]) ++kept;
  history_.resize(kept);  // later cache rows are rewritten before any query reads them
  position_ = static_cast<int>(kept);
  s.prompt_tokens = static_cast<int>(ids.size() - kept);
  const auto prefill_start = std::chrono::steady_clock::now();
  SPRIG_RETURN_IF_ERROR(prefill(ids.data() + kept, ids.size() - kept));
  s.prefill_ms = ms_since(prefill_start);
  return decode(callback, context, &s);
}

Status Generator::decode(TextCallback callback, void* context, GenerationStats* stats) {
  GenerationStats& s = *stats;
  const auto decode_start = std::chrono::steady_clock::now();
  text_.reset(/*at_text_start=*/false);  // the reply continues the prompt's text
  held_.clear();
  bool cancelled = false;
  s.reason = StopReason::kMaxTokens;
  while (s.generated_tokens < options_.max_new_tokens) {
    const int32_t id = sample_next();
    ++s.generated_tokens;
    if (options_.stop_at_eos && tokenizer_.is_eos(id)) {
      s.reason = StopReason::kEos;
      break;
    }
    const std::string_view piece = id < tokenizer_.vocab_size() ? text_.push(id) : std::string_view();
    held_.append(piece);
    if (flush_text(false, callback, context, &cancelled)) {
      s.reason = StopReason::kStopString;
      break;
    }
    if (cancelled) {
      s.reason = StopReason::kCancelled;
      break;
    }
    if (position_ >= context_size()) {
      s.reason = StopReason::kContextFull;
      break;
    }
    SPRIG_RETURN_IF_ERROR(feed(id));
  }
  if (s.reason != StopReason::kStopString && s.reason != StopReason::kCancelled) {
    held_.append(text_.finish());
    if (flush_text(true, callback, context, &cancelled)) s.reason = StopReason::kStopString;
  }
  s.decode_ms = ms_since(decode_start);
  return Status();
}

}  // namespace sprig::llm
