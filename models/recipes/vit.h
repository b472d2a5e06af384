// The encoder recipe for ViTForImageClassification checkpoints: the patch embedding as a strided
// Conv2D (weights moved to the runtime's [O, KH, KW, C]), the class token and position
// embeddings, pre-LayerNorm encoder layers with bidirectional attention, the final LayerNorm and
// the linear classifier on the class token.
//
// Graph input: `pixel_values` F32 [1, C, H, W] (NCHW, as Hugging Face's image processor gives it:
// resized, scaled and normalized). Output: `logits` [1, labels].
#pragma once

#include "converter/import/hf/encoder_config.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/ir/graph.h"

namespace sprig::convert {

// Throws ConvertError kInvalidModel naming a missing tensor or one whose shape does not match the
// config.
Graph build_vit(const EncoderConfig& config, const SafetensorsCheckpoint& checkpoint);

}  // namespace sprig::convert
