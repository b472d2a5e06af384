// Writes LoRA adapter files (runtime/schema/adapter.fbs): the model file's container with the
// identifier "SPRA", one page-aligned segment holding every A and B 64-byte aligned.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "converter/serialize/serialize.h"

namespace sprig::convert {

// One adapted FullyConnected weight W [n, k]: y = W x + scaling * B (A x).
struct LoraWeights {
  std::string weight;  // the base model's tensor name
  int64_t n = 0, k = 0;
  int rank = 0;
  float alpha = 0.0f;
  float scaling = 0.0f;
  std::vector<float> a;  // [rank, k]
  std::vector<float> b;  // [n, rank]
};

// The whole adapter file. A and B are stored as `dtype` (F32 or F16), named WEIGHT.lora_A and
// WEIGHT.lora_B (WEIGHT without a trailing ".weight"). Throws ConvertError (kInvalidArgument) for
// no targets, mismatched sizes, a weight adapted twice or another dtype.
std::vector<uint8_t> serialize_adapter(const std::vector<LoraWeights>& targets,
                                       const std::string& base_content_hash, fb::DType dtype,
                                       const SerializeOptions& options);

}  // namespace sprig::convert
