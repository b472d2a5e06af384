// The decoder recipe for Llama, Qwen2 and Mistral checkpoints: Hugging Face tensor names mapped
// onto a graph of Gather, RmsNorm, FullyConnected, Rope, Attention (KV cache as state) and the
// SiLU-gated MLP. Constants keep the checkpoint's names.
//
// Graph inputs: `tokens` I32 [T] and `positions` I32 [T] (each token's position in the sequence),
// and `logit_rows` I32 [R] (which of this run's tokens to compute logits for); output: `logits`
// F32 [R, vocab]. State: `model.layers.N.self_attn.{k,v}_cache` [C, Hkv, D]. T and R are run-time
// leading dimensions (Tensor.dim0_symbol 1 and 2) of at most `tokens`: one file runs a prompt in
// chunks and then one token at a time, and the final norm and LM head run only on the R rows asked
// for (one when generating, all when scoring text).
#pragma once

#include <cstdint>

#include "converter/import/hf/hf_config.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/ir/graph.h"

namespace sprig::convert {

struct DecoderShape {
  int64_t tokens = 1;    // the most tokens per run (T's upper bound)
  int64_t context = 0;   // C: KV cache rows (the longest sequence)
  fb::DType cache_dtype = fb::DType::F32;  // F32 or F16
};

// Throws ConvertError kInvalidModel naming a missing tensor or one whose shape does not match the
// config, kUnsupported for a sliding window shorter than the context, kInvalidArgument for a
// cache dtype other than F32 or F16.
Graph build_llama_family(const HfConfig& config, const SafetensorsCheckpoint& checkpoint,
                         const DecoderShape& shape);

}  // namespace sprig::convert
