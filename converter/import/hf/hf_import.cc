#include <algorithm>

#include "converter/convert.h"
#include "converter/import/hf/encoder_config.h"
#include "converter/import/hf/hf_config.h"
#include "converter/import/hf/hf_json.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/import/tokenizer/tokenizer_import.h"
#include "models/recipes/bert.h"
#include "models/recipes/llama_family.h"
#include "models/recipes/vit.h"

namespace sprig::convert {

Graph import_hf(const std::string& dir, const ConvertOptions& options) {
  const nlohmann::json json = read_config_json(dir);
  if (is_encoder_architecture(architecture_of(json))) {
    const EncoderConfig config = encoder_config(json);
    const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open_dir(dir);
    if (config.architecture == "ViTForImageClassification") return build_vit(config, checkpoint);
    const int64_t tokens = options.context > 0 ? options.context
                                               : std::min(config.max_position_embeddings, kDefaultContext);
    return build_bert(config, checkpoint, tokens);
  }
  const HfConfig config = decoder_config(json);
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open_dir(dir);
  DecoderShape shape;
  shape.tokens = options.tokens_per_run;
  shape.cache_dtype = options.kv_cache_dtype;
  shape.context = options.context > 0
                      ? options.context
                      : std::min(config.max_position_embeddings, kDefaultContext);
  Graph graph = build_llama_family(config, checkpoint, shape);
  graph.tokenizer = import_tokenizer(dir, config);
  return graph;
}

}  // namespace sprig::convert
