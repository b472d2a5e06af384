// The checks Model::load runs before anything reads a file. Each failure is kInvalidModel (or
// kUnsupported for a newer format version) with a message naming the field, tensor or op at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig {

// The fixed header, the flatbuffer's identifier and the flatbuffers Verifier. On success *root
// points at the verified flatbuffer inside base.
Status check_file_structure(const uint8_t* base, size_t size, const fb::Model** root);

struct CheckedTensors {
  std::vector<TensorView> tensors;     // constants point into base; activations have null data
  std::vector<int64_t> arena_offsets;  // -1 for constants
};

// Segments, buffers, tensors, ops (via check_op), graph wiring and the memory plan.
Status check_model_semantics(const uint8_t* base, size_t size, const fb::Model& root,
                             CheckedTensors* out);

}  // namespace sprig
