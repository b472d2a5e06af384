// config.json of the Hugging Face encoders the converter builds: BertModel,
// BertForSequenceClassification and ViTForImageClassification. What would change the computation
// and is not handled (another position embedding type, a decoder BERT, an unknown activation) is
// refused by name.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/schema/sprig_generated.h"

namespace sprig::convert {

struct EncoderConfig {
  std::string architecture;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t intermediate_size = 0;
  fb::ActivationKind activation = fb::ActivationKind::Gelu;  // hidden_act
  double layer_norm_eps = 1e-12;
  int64_t num_labels = 0;  // classifiers: id2label's size (num_labels)
  // BERT
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t type_vocab_size = 0;
  // ViT
  int64_t image_size = 0;
  int64_t patch_size = 0;
  int64_t num_channels = 3;
  bool qkv_bias = true;
};

bool is_encoder_architecture(const std::string& architecture);

// Throws ConvertError: kInvalidModel for a malformed or inconsistent field, kUnsupported for a
// setting the recipes do not build (both named).
EncoderConfig encoder_config(const nlohmann::json& config);

}  // namespace sprig::convert
