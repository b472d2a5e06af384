#include "converter/import/hf/encoder_config.h"

#include "converter/import/hf/hf_json.h"
#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

// transformers' ACT2FN names for the activations the runtime has.
fb::ActivationKind activation_named(const std::string& name) {
  if (name == "gelu") return fb::ActivationKind::Gelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh") return fb::ActivationKind::GeluTanh;
  if (name == "relu") return fb::ActivationKind::Relu;
  fail(Code::kUnsupported, "config.json: hidden_act '" + name +
                               "' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)");
}

}  // namespace

bool is_encoder_architecture(const std::string& architecture) {
  return architecture == "BertModel" || architecture == "BertForSequenceClassification" ||
         architecture == "ViTForImageClassification";
}

EncoderConfig encoder_config(const json& config) {
  EncoderConfig c;
  c.architecture = architecture_of(config);
  if (!is_encoder_architecture(c.architecture))
    fail(Code::kUnsupported, "config.json: architecture " + c.architecture + " is not an encoder the converter builds");
  c.hidden_size = positive_int(config, "hidden_size");
  c.num_layers = positive_int(config, "num_hidden_layers");
  c.num_heads = positive_int(config, "num_attention_heads");
  c.intermediate_size = positive_int(config, "intermediate_size");
  if (c.hidden_size % c.num_heads != 0) bad_field("num_attention_heads", "must divide hidden_size");
  c.activation = activation_named(string_or(config, "hidden_act", "gelu"));
  c.layer_norm_eps = number_or(config, "layer_norm_eps", 1e-12);
  if (!(c.layer_norm_eps > 0)) bad_field("layer_norm_eps", "must be positive");
  if (c.architecture == "ViTForImageClassification") {
    c.image_size = positive_int(config, "image_size");
    c.patch_size = positive_int(config, "patch_size");
    c.num_channels = positive_int_or(config, "num_channels", 3);
    c.qkv_bias = bool_or(config, "qkv_bias", true);
    if (c.image_size % c.patch_size != 0) bad_field("patch_size", "must divide image_size");
    c.num_labels = label_count(config, 2);
    return c;
  }
  c.vocab_size = positive_int(config, "vocab_size");
  c.max_position_embeddings = positive_int(config, "max_position_embeddings");
  c.type_vocab_size = positive_int_or(config, "type_vocab_size", 2);
  const std::string positions = string_or(config, "position_embedding_type", "absolute");
  if (positions != "absolute")
    fail(Code::kUnsupported, "config.json: position_embedding_type '" + positions + "' is not supported (absolute)");
  if (bool_or(config, "is_decoder", false) || bool_or(config, "add_cross_attention", false))
    fail(Code::kUnsupported, "config.json: a decoder BERT (is_decoder, add_cross_attention) is not supported");
  if (c.architecture == "BertForSequenceClassification") c.num_labels = label_count(config, 2);
  return c;
}

}  // namespace sprig::convert
