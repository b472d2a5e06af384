// PEFT LoRA checkpoints: a directory with `adapter_config.json` (peft_type LORA; r, lora_alpha,
// use_rslora, target_modules) and `adapter_model.safetensors` holding, for each adapted Linear
// module M, `base_model.model.M.lora_A.weight` [r, K] and `base_model.model.M.lora_B.weight`
// [N, r] (F32, F16 or BF16). The adapted weight is `M.weight` of the base checkpoint, whose names
// the Llama, Qwen2, Mistral and BERT recipes keep.
#pragma once

#include <string>
#include <vector>

#include "converter/adapter/adapter_writer.h"
#include "runtime/core/model.h"

namespace sprig::convert {

// Whether `dir` holds a PEFT adapter (an adapter_config.json).
bool is_peft_dir(const std::string& dir);

// The LoRA matrices of the PEFT checkpoint in `dir`, scaling alpha / r (alpha / sqrt(r) with
// use_rslora), r per module from its tensors. Throws ConvertError naming what it does not handle
// (another peft_type, DoRA, trained biases, modules_to_save, fan_in_fan_out, alpha_pattern) or a
// missing or mis-shaped tensor.
std::vector<LoraWeights> import_peft(const std::string& dir);

// Checks that every target adapts a FullyConnected weight of `base` of its shape [N, K]; throws
// ConvertError (kInvalidArgument) naming the first that does not. Returns the base's content hash.
std::string check_adapter_fits(const Model& base, const std::vector<LoraWeights>& targets);

}  // namespace sprig::convert
