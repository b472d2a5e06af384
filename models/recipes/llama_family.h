// The decoder recipe for Llama, Qwen2 and Mistral checkpoints: Hugging Face tensor names mapped
// onto a graph of Gather, RmsNorm, FullyConnected, Rope, Attention (KV cache as state) and the
// SiLU-gated MLP. Constants keep the checkpoint's names.
//
// Graph inputs: `tokens` I32 [T] and `positions` I32 [T] (each token's position in the sequence);
// output: `logits` F32 [T, vocab]. State: `model.layers.N.self_attn.{k,v}_cache` [C, Hkv, D].
#pragma once

#include <cstdint>

#include "converter/import/hf/hf_config.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/ir/graph.h"

namespace sprig::convert {

struct DecoderShape {
  int64_t tokens = 1;    // T: tokens per run
  int64_t context = 0;   // C: KV cache rows (the longest sequence)
};

// Throws ConvertError kInvalidModel naming a missing tensor or one whose shape does not match the
// config, kUnsupported for a sliding window shorter than the context.
Graph build_llama_family(const HfConfig& config, const SafetensorsCheckpoint& checkpoint,
                         const DecoderShape& shape);

}  // namespace sprig::convert
