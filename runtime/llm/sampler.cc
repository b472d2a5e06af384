#include "runtime/llm/sampler.h"

#include <algorithm>
#include <cmath>

namespace sprig::llm {
namespace {

uint64_t splitmix64(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Result<std::unique_ptr<Sampler>> Sampler::create(const SamplerOptions& options, int vocab_size) {
  if (vocab_size < 1) return Status::error(Code::kInvalidArgument, "sampler: vocab_size %d", vocab_size);
  if (!(options.temperature >= 0.0f)) {
    return Status::error(Code::kInvalidArgument, "sampler: temperature %g must be >= 0", options.temperature);
  }
  if (options.top_k < 0) return Status::error(Code::kInvalidArgument, "sampler: top_k %d must be >= 0", options.top_k);
  if (!(options.top_p > 0.0f && options.top_p <= 1.0f)) {
    return Status::error(Code::kInvalidArgument, "sampler: top_p %g must be in (0, 1]", options.top_p);
  }
  if (!(options.min_p >= 0.0f && options.min_p < 1.0f)) {
    return Status::error(Code::kInvalidArgument, "sampler: min_p %g must be in [0, 1)", options.min_p);
  }
  if (!(options.repetition_penalty > 0.0f)) {
    return Status::error(Code::kInvalidArgument, "sampler: repetition_penalty %g must be > 0",
                         options.repetition_penalty);
  }
  if (options.repetition_window < 0) {
    return Status::error(Code::kInvalidArgument, "sampler: repetition_window %d must be >= 0",
                         options.repetition_window);
  }
  return std::unique_ptr<Sampler>(new Sampler(options, vocab_size));
}

Sampler::Sampler(const SamplerOptions& options, int vocab_size)
    : options_(options),
      vocab_size_(vocab_size),
      logits_(static_cast<size_t>(vocab_size)),
      order_(static_cast<size_t>(vocab_size)),
      probabilities_(static_cast<size_t>(vocab_size), 0.0f) {
  reseed(options.seed);
}

void Sampler::reseed(uint64_t seed) {
  for (uint64_t& s : state_) s = splitmix64(&seed);
}

double Sampler::next_uniform() {  // xoshiro256**, top 53 bits
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

int32_t Sampler::sample(const float* logits, const int32_t* history, size_t history_size) {
  const auto vocab = static_cast<size_t>(vocab_size_);
  std::copy(logits, logits + vocab, logits_.begin());

  if (options_.repetition_penalty != 1.0f && options_.repetition_window > 0) {
    const size_t window = std::min(history_size, static_cast<size_t>(options_.repetition_window));
    const int32_t* recent = history + (history_size - window);
    for (size_t i = 0; i < window; ++i) {
      const int32_t id = recent[i];
      if (id < 0 || static_cast<size_t>(id) >= vocab) continue;
      if (std::find(recent, recent + i, id) != recent + i) continue;  // once per token
      float& l = logits_[static_cast<size_t>(id)];
      l = l > 0 ? l / options_.repetition_penalty : l * options_.repetition_penalty;
    }
  }

  if (options_.temperature <= 0.0f) {
    return static_cast<int32_t>(std::max_element(logits_.begin(), logits_.end()) - logits_.begin());
  }

  for (size_t i = 0; i < vocab; ++i) order_[i] = static_cast<int32_t>(i);
  const auto higher = [this](int32_t a, int32_t b) {
    const float la = logits_[static_cast<size_t>(a)], lb = logits_[static_cast<size_t>(b)];
    return la != lb ? la > lb : a < b;
  };
  size_t kept = vocab;
  if (options_.top_k > 0 && static_cast<size_t>(options_.top_k) < vocab) {
    kept = static_cast<size_t>(options_.top_k);
    std::partial_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(kept), order_.end(), higher);
  } else {
    std::sort(order_.begin(), order_.end(), higher);
  }

  // Softmax of logits / T over the kept tokens, in descending order.
  const double inv_t = 1.0 / options_.temperature;
  const double top = logits_[static_cast<size_t>(order_[0])] * inv_t;
  double total = 0.0;
  for (size_t i = 0; i < kept; ++i) {
    const double p = std::exp(logits_[static_cast<size_t>(order_[i])] * inv_t - top);
    probabilities_[i] = static_cast<float>(p);  // by rank for now
    total += p;
  }
  if (options_.top_p < 1.0f) {
    double mass = 0.0;
    size_t n = 0;
    while (n < kept) {
      mass += probabilities_[n] / total;
      ++n;
      if (mass >= options_.top_p) break;
    }
    kept = n;
  }
  if (options_.min_p > 0.0f) {
    const double floor = options_.min_p * probabilities_[0];
    size_t n = 1;
    while (n < kept && probabilities_[n] >= floor) ++n;
    kept = n;
  }
  total = 0.0;
  for (size_t i = 0; i < kept; ++i) total += probabilities_[i];

  const double target = next_uniform() * total;
  double running = 0.0;
  int32_t chosen = order_[kept - 1];
  for (size_t i = 0; i < kept; ++i) {
    running += probabilities_[i];
    if (target < running) {
      chosen = order_[i];
      break;
    }
  }

  // last_probabilities() by token id; logits_ is free now and holds the normalized ranks.
  for (size_t i = 0; i < kept; ++i) logits_[i] = static_cast<float>(probabilities_[i] / total);
  std::fill(probabilities_.begin(), probabilities_.end(), 0.0f);
  for (size_t i = 0; i < kept; ++i) probabilities_[static_cast<size_t>(order_[i])] = logits_[i];
  return chosen;
}

}  // namespace sprig::llm
