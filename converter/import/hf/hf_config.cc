#include "converter/import/hf/hf_config.h"

#include <cmath>
#include <set>

#include "converter/import/hf/hf_json.h"
#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

const std::set<std::string> kArchitectures = {"LlamaForCausalLM", "Qwen2ForCausalLM",
                                              "MistralForCausalLM"};

RopeScaling read_rope_scaling(const json& config) {
  RopeScaling scaling;
  if (!config.contains("rope_scaling") || config["rope_scaling"].is_null()) return scaling;
  const json& s = config["rope_scaling"];
  if (!s.is_object()) bad_field("rope_scaling", "must be an object or null");
  const json& type = s.contains("rope_type") ? s["rope_type"] : s.value("type", json());
  if (!type.is_string()) bad_field("rope_scaling", "has no rope_type");
  scaling.type = type.get<std::string>();
  if (scaling.type == "default") {
    scaling.type.clear();
    return scaling;
  }
  if (scaling.type != "linear" && scaling.type != "llama3")
    fail(Code::kUnsupported, "config.json: rope_scaling type '" + scaling.type +
                                 "' is not supported (linear, llama3)");
  scaling.factor = number_or(s, "factor", 0.0);
  if (!(scaling.factor > 0.0)) bad_field("rope_scaling.factor", "must be positive");
  if (scaling.type == "llama3") {
    scaling.low_freq_factor = number_or(s, "low_freq_factor", 0.0);
    scaling.high_freq_factor = number_or(s, "high_freq_factor", 0.0);
    scaling.original_max_position_embeddings = positive_int(s, "original_max_position_embeddings");
    if (!(scaling.high_freq_factor > scaling.low_freq_factor) || !(scaling.low_freq_factor > 0.0))
      bad_field("rope_scaling", "needs 0 < low_freq_factor < high_freq_factor");
  }
  return scaling;
}

}  // namespace

HfConfig decoder_config(const json& config) {
  HfConfig c;
  c.architecture = architecture_of(config);
  if (!kArchitectures.count(c.architecture))
    fail(Code::kUnsupported, "config.json: architecture " + c.architecture +
                                 " is not supported (LlamaForCausalLM, Qwen2ForCausalLM, "
                                 "MistralForCausalLM, BertModel, BertForSequenceClassification, "
                                 "ViTForImageClassification)");
  c.model_type = config.value("model_type", std::string());
  c.vocab_size = positive_int(config, "vocab_size");
  c.hidden_size = positive_int(config, "hidden_size");
  c.intermediate_size = positive_int(config, "intermediate_size");
  c.num_layers = positive_int(config, "num_hidden_layers");
  c.num_heads = positive_int(config, "num_attention_heads");
  c.num_kv_heads = config.contains("num_key_value_heads") && !config["num_key_value_heads"].is_null()
                       ? positive_int(config, "num_key_value_heads")
                       : c.num_heads;
  if (c.num_heads % c.num_kv_heads != 0)
    bad_field("num_key_value_heads", "must divide num_attention_heads");
  c.head_dim = config.contains("head_dim") && !config["head_dim"].is_null()
                   ? positive_int(config, "head_dim")
                   : c.hidden_size / c.num_heads;
  if (c.head_dim % 2 != 0 || c.head_dim < 2) bad_field("head_dim", "must be even");
  c.max_position_embeddings = positive_int(config, "max_position_embeddings");
  c.rms_norm_eps = number_or(config, "rms_norm_eps", 1e-6);
  c.rope_theta = number_or(config, "rope_theta", 10000.0);
  if (!(c.rope_theta > 1.0)) bad_field("rope_theta", "must be above 1");
  c.rope_scaling = read_rope_scaling(config);
  c.tie_word_embeddings = bool_or(config, "tie_word_embeddings", false);
  const std::string act = config.value("hidden_act", std::string("silu"));
  if (act != "silu")
    fail(Code::kUnsupported, "config.json: hidden_act '" + act + "' is not supported (silu)");
  if (bool_or(config, "mlp_bias", false))
    fail(Code::kUnsupported, "config.json: mlp_bias true is not supported");
  if (number_or(config, "partial_rotary_factor", 1.0) != 1.0)
    fail(Code::kUnsupported, "config.json: partial_rotary_factor other than 1 is not supported");
  c.attention_bias = c.architecture == "Qwen2ForCausalLM" || bool_or(config, "attention_bias", false);
  const bool window_used = c.architecture == "Qwen2ForCausalLM"
                               ? bool_or(config, "use_sliding_window", false)
                               : true;
  if (window_used && config.contains("sliding_window") && !config["sliding_window"].is_null())
    c.sliding_window = positive_int(config, "sliding_window");
  if (config.contains("bos_token_id") && config["bos_token_id"].is_number_integer())
    c.bos_token_id = config["bos_token_id"].get<int64_t>();
  const json eos = config.value("eos_token_id", json());
  if (eos.is_number_integer()) c.eos_token_ids.push_back(eos.get<int64_t>());
  if (eos.is_array())
    for (const json& id : eos)
      if (id.is_number_integer()) c.eos_token_ids.push_back(id.get<int64_t>());
  return c;
}

std::vector<float> rope_inv_freq(const HfConfig& config) {
  const int64_t d = config.head_dim;
  const RopeScaling& s = config.rope_scaling;
  std::vector<float> inv_freq(static_cast<size_t>(d / 2));
  for (int64_t i = 0; i < d / 2; ++i) {
    double f = 1.0 / std::pow(config.rope_theta, double(2 * i) / double(d));
    if (s.type == "linear") f /= s.factor;
    if (s.type == "llama3") {
      const double pi = 3.14159265358979323846;
      const double wavelength = 2.0 * pi / f;
      const double original = double(s.original_max_position_embeddings);
      const double low_wavelength = original / s.low_freq_factor;
      const double high_wavelength = original / s.high_freq_factor;
      if (wavelength > low_wavelength) {
        f /= s.factor;
      } else if (wavelength >= high_wavelength) {
        const double smooth =
            (original / wavelength - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        f = (1.0 - smooth) * f / s.factor + smooth * f;
      }
    }
    inv_freq[static_cast<size_t>(i)] = static_cast<float>(f);
  }
  return inv_freq;
}

}  // namespace sprig::convert
