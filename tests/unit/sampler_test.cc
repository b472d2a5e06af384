// The sampler on logits whose kept set and probabilities follow by hand, and its draws against
// those probabilities.
#include "runtime/llm/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace sprig::llm {
namespace {

std::unique_ptr<Sampler> make(const SamplerOptions& options, int vocab) {
  auto sampler = Sampler::create(options, vocab);
  EXPECT_TRUE(sampler.ok()) << sampler.status().message();
  return sampler.ok() ? std::move(*sampler) : nullptr;
}

// Logits whose softmax at temperature 1 is `p`.
std::vector<float> logits_for(const std::vector<double>& p) {
  std::vector<float> logits;
  for (double v : p) logits.push_back(static_cast<float>(std::log(v)));
  return logits;
}

void expect_probabilities(Sampler& sampler, const std::vector<float>& logits, const std::vector<double>& want) {
  sampler.sample(logits.data(), nullptr, 0);
  ASSERT_EQ(sampler.last_probabilities().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(sampler.last_probabilities()[i], want[i], 1e-6) << "token " << i;
}

TEST(Sampler, GreedyTakesTheHighestLogitAndTheLowestIdOnTies) {
  SamplerOptions options;
  auto sampler = make(options, 5);
  const std::vector<float> logits = {0.5f, 3.0f, -1.0f, 3.0f, 2.0f};
  EXPECT_EQ(sampler->sample(logits.data(), nullptr, 0), 1);
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplerOptions options;
  options.repetition_penalty = 2.0f;
  auto sampler = make(options, 3);
  const std::vector<float> positive = {2.0f, 1.5f, -1.0f};  // token 0 -> 1.0 < 1.5
  const int32_t history[] = {0, 0, 2};
  EXPECT_EQ(sampler->sample(positive.data(), history, 3), 1);
  const std::vector<float> negative = {-1.0f, -1.5f, -9.0f};  // token 0 -> -2.0 < -1.5
  EXPECT_EQ(sampler->sample(negative.data(), history, 3), 1);
  options.repetition_window = 1;  // only token 2 is recent: token 0 keeps 2.0
  auto windowed = make(options, 3);
  EXPECT_EQ(windowed->sample(positive.data(), history, 3), 0);
}

TEST(Sampler, TemperatureScalesTheLogits) {
  SamplerOptions options;
  options.temperature = 0.5f;
  auto sampler = make(options, 2);
  // p ~ [0.8, 0.2]; at T = 0.5 the odds square: [0.64, 0.04] / 0.68.
  expect_probabilities(*sampler, logits_for({0.8, 0.2}), {0.64 / 0.68, 0.04 / 0.68});
}

TEST(Sampler, TopKTopPAndMinPCutTheTail) {
  const std::vector<float> logits = logits_for({0.1, 0.5, 0.3, 0.1});
  SamplerOptions options;
  options.temperature = 1.0f;
  options.top_k = 2;  // tokens 1 and 2
  expect_probabilities(*make(options, 4), logits, {0, 0.625, 0.375, 0});
  options.top_k = 0;
  options.top_p = 0.7f;  // 0.5 < 0.7 <= 0.5 + 0.3
  expect_probabilities(*make(options, 4), logits, {0, 0.625, 0.375, 0});
  options.top_p = 1.0f;
  options.min_p = 0.25f;  // floor 0.125: 0.1s go
  expect_probabilities(*make(options, 4), logits, {0, 0.625, 0.375, 0});
  options.min_p = 0.0f;
  expect_probabilities(*make(options, 4), logits, {0.1, 0.5, 0.3, 0.1});
}

TEST(Sampler, DrawsFollowTheProbabilitiesAndTheSeed) {
  SamplerOptions options;
  options.temperature = 1.0f;
  options.seed = 7;
  const std::vector<double> p = {0.05, 0.45, 0.3, 0.2};
  const std::vector<float> logits = logits_for(p);
  auto sampler = make(options, 4);
  const int draws = 200000;
  std::vector<int> counts(4, 0);
  std::vector<int32_t> first;
  for (int i = 0; i < draws; ++i) {
    const int32_t id = sampler->sample(logits.data(), nullptr, 0);
    ++counts[static_cast<size_t>(id)];
    if (i < 32) first.push_back(id);
  }
  for (size_t i = 0; i < p.size(); ++i) {
    const double sd = std::sqrt(p[i] * (1 - p[i]) / draws);
    EXPECT_NEAR(counts[i] / static_cast<double>(draws), p[i], 5 * sd) << "token " << i;
  }
  auto again = make(options, 4);
  for (int32_t want : first) EXPECT_EQ(again->sample(logits.data(), nullptr, 0), want);
  options.seed = 8;
  auto other = make(options, 4);
  int same = 0;
  for (int32_t want : first) same += other->sample(logits.data(), nullptr, 0) == want;
  EXPECT_LT(same, 32);
}

TEST(Sampler, OptionsOutOfRangeAreRefusedByName) {
  const auto refused = [](SamplerOptions options, const char* name) {
    auto sampler = Sampler::create(options, 4);
    ASSERT_FALSE(sampler.ok());
    EXPECT_EQ(sampler.status().code(), Code::kInvalidArgument);
    EXPECT_NE(std::string(sampler.status().message()).find(name), std::string::npos);
  };
  SamplerOptions o;
  o.temperature = -1;
  refused(o, "temperature");
  o = SamplerOptions();
  o.top_p = 0;
  refused(o, "top_p");
  o = SamplerOptions();
  o.min_p = 1;
  refused(o, "min_p");
  o = SamplerOptions();
  o.top_k = -2;
  refused(o, "top_k");
  o = SamplerOptions();
  o.repetition_penalty = 0;
  refused(o, "repetition_penalty");
}

}  // namespace
}  // namespace sprig::llm
