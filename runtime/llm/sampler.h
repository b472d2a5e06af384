// Picks the next token from a row of logits. The steps run in Hugging Face's order:
//   1. repetition penalty over the last `repetition_window` tokens (a positive logit is divided by
//      the penalty, a negative one multiplied, as in CTRL);
//   2. temperature 0: the highest logit (greedy; ties go to the lowest id); otherwise logits / T;
//   3. top-k (0: off), then top-p over the sorted probabilities (the smallest prefix whose mass
//      reaches p; 1: off), then min-p (drop tokens below min_p x the top probability; 0: off);
//   4. a draw from what is left, renormalized, with a seeded generator (the same seed and inputs
//      give the same tokens on every platform).
// create() sizes every buffer; sample() allocates nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/core/status.h"

namespace sprig::llm {

struct SamplerOptions {
  float temperature = 0.0f;
  int top_k = 0;
  float top_p = 1.0f;
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;
  int repetition_window = 64;
  uint64_t seed = 0;
};

class Sampler {
 public:
  // kInvalidArgument names an option out of range (negative temperature or top_k, top_p outside
  // (0, 1], min_p outside [0, 1), penalty <= 0, vocab_size < 1).
  static Result<std::unique_ptr<Sampler>> create(const SamplerOptions& options, int vocab_size);

  // The next token for `logits` (vocab_size values), given the tokens so far (`history`, oldest
  // first; only the last repetition_window are read).
  int32_t sample(const float* logits, const int32_t* history, size_t history_size);

  // The probability each token had in the last sample() (0 for tokens cut by top-k/p or min-p);
  // for tests. Greedy sampling leaves it untouched.
  const std::vector<float>& last_probabilities() const { return probabilities_; }

  void reseed(uint64_t seed);

 private:
  Sampler(const SamplerOptions& options, int vocab_size);
  double next_uniform();  // [0, 1)

  SamplerOptions options_;
  int vocab_size_;
  std::vector<float> logits_;
  std::vector<int32_t> order_;
  std::vector<float> probabilities_;
  uint64_t state_[4];
};

}  // namespace sprig::llm
