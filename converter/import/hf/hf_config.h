// A Hugging Face `config.json` for the architectures the converter builds: the fields each recipe
// reads, checked. Anything that would change the computation and is not handled (another
// architecture, activation, rope scaling type, MLP biases, a sliding window shorter than the
// context) is refused by name.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sprig::convert {

struct RopeScaling {
  std::string type;  // "" (none), "linear", "llama3"
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 0;
};

struct HfConfig {
  std::string architecture;  // architectures[0]: LlamaForCausalLM, Qwen2ForCausalLM, ...
  std::string model_type;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;  // hidden_size / num_heads unless given
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  // q/k/v (and for Llama o) projections have biases
  int64_t sliding_window = 0;   // 0: none in use
  std::vector<int64_t> eos_token_ids;
  int64_t bos_token_id = -1;
};

// The decoder fields of config.json's parsed contents (hf_json.h reads the file). Throws
// ConvertError: kInvalidModel for a malformed or inconsistent field (named), kUnsupported for what
// no recipe handles (named).
HfConfig decoder_config(const nlohmann::json& config);

// The rotary inverse frequencies for head_dim (rope_theta and rope_scaling applied), as
// transformers' rope initialisation computes them: inv_freq[i] = theta^(-2i/d), then divided by
// `factor` (linear) or, for llama3, by `factor` at long wavelengths, unchanged at short ones and
// smoothly interpolated in between.
std::vector<float> rope_inv_freq(const HfConfig& config);

}  // namespace sprig::convert
