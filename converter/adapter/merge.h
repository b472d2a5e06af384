// sprig-convert merge: a base model with a LoRA adapter folded into its weights,
// W' = W + scale * scaling * B A, for bases whose adapted weights are F32 or F16 (quantized
// weights are refused: bind the adapter unmerged instead).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/core/adapter.h"

namespace sprig::convert {

// The merged model file: `base_file` (a .sprig model) with every target weight replaced in its
// own dtype, and the content hash recomputed (adapters trained for the base do not bind to the
// result). Throws ConvertError (kInvalidArgument) for a corrupt base, an adapter trained for
// another base, a target that is not a FullyConnected weight of its shape, or a quantized one.
std::vector<uint8_t> merge_adapter(const std::vector<uint8_t>& base_file, const Adapter& adapter,
                                   float scale);

}  // namespace sprig::convert
