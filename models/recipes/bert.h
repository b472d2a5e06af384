// The encoder recipe for BertModel and BertForSequenceClassification checkpoints (tensor names with
// or without the "bert." prefix; a legacy position_ids buffer is ignored): embeddings (word +
// position + token type, LayerNorm), post-LayerNorm encoder layers with bidirectional attention,
// the tanh pooler over the first token and, for the classifier, its linear head.
//
// Graph inputs: `input_ids`, `token_type_ids` and `position_ids` (I32 [S], S a run-time leading
// dimension of at most `max_tokens`: any shorter sequence runs without padding or mask).
// Outputs: BertModel `last_hidden_state` [S, hidden] and `pooler_output` [1, hidden];
// BertForSequenceClassification `logits` [1, labels].
#pragma once

#include <cstdint>

#include "converter/import/hf/encoder_config.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/ir/graph.h"

namespace sprig::convert {

// Throws ConvertError kInvalidModel naming a missing tensor or one whose shape does not match the
// config, kInvalidArgument when max_tokens is outside [1, max_position_embeddings].
Graph build_bert(const EncoderConfig& config, const SafetensorsCheckpoint& checkpoint, int64_t max_tokens);

}  // namespace sprig::convert
