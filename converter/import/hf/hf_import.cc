#include <algorithm>

#include "converter/convert.h"
#include "converter/import/hf/hf_config.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/import/tokenizer/tokenizer_import.h"
#include "models/recipes/llama_family.h"

namespace sprig::convert {

Graph import_hf(const std::string& dir, const ConvertOptions& options) {
  const HfConfig config = read_hf_config(dir);
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open_dir(dir);
  DecoderShape shape;
  shape.tokens = options.tokens_per_run;
  shape.context = options.context > 0
                      ? options.context
                      : std::min(config.max_position_embeddings, kDefaultContext);
  Graph graph = build_llama_family(config, checkpoint, shape);
  graph.tokenizer = import_tokenizer(dir, config);
  return graph;
}

}  // namespace sprig::convert
