// A text decoder session as sprig-convert writes one (models/recipes/llama_family.h): inputs
// `tokens` and `positions` (I32 [T]) and `logit_rows` (I32 [R]), each with a run-time leading
// dimension; output `logits` (F32 [R, vocab]); the KV caches as state tensors [C, ...].
//
// Decoder binds those once and runs any number of tokens up to T at once, with logits for the
// rows asked for: the last one when generating, every one when scoring text. Allocation-free
// after bind().
#pragma once

#include <cstdint>

#include "runtime/core/session.h"

namespace sprig::llm {

class Decoder {
 public:
  // kInvalidArgument naming what is missing when the session's model is not such a decoder (a
  // file converted before run-time leading dimensions must be converted again).
  static Result<Decoder> bind(Session& session);

  // Runs ids[0, count) at positions first_position.. (1 <= count <= max_tokens()), computing
  // logits for the last `logit_rows` of them (1 <= logit_rows <= count). Positions outside the
  // KV cache are refused by the Attention ops before anything is written.
  Status run(const int32_t* ids, int count, int first_position, int logit_rows = 1);
  // Logits of the i-th row computed by the last run (i < its logit_rows).
  const float* logits(int i) const;

  void reset() { session_->reset_state(); }
  int max_tokens() const { return max_tokens_; }  // T's upper bound: tokens per run
  int context() const { return context_; }        // KV cache rows
  int vocab() const { return vocab_; }            // logits per row
  Session& session() const { return *session_; }

 private:
  Session* session_ = nullptr;
  int tokens_ = -1, positions_ = -1, logit_rows_ = -1, logits_ = -1;
  int max_tokens_ = 0, context_ = 0, vocab_ = 0;
};

}  // namespace sprig::llm
