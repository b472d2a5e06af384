// Adapter: an immutable, verified view of a LoRA adapter file (runtime/schema/adapter.fbs).
//
// load() maps the file read-only and uses A and B in place. Before anything reads it, the file is
// checked as a model is (header, flatbuffers Verifier, segments, every tensor's bytes inside the
// file), and each target for itself: A [rank, K] and B [N, rank] in F32 or F16, a finite scaling.
// Whether the targets fit a model (names, shapes, the base's content hash) is checked when a
// session binds the adapter. An Adapter may be shared by any number of sessions on any threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/core/mapped_file.h"
#include "runtime/core/status.h"
#include "runtime/core/tensor.h"
#include "runtime/schema/adapter_generated.h"

namespace sprig {

constexpr uint32_t kAdapterFormatVersion = 1;

// One adapted weight: y = W x + scaling * B (A x).
struct LoraTarget {
  const char* weight = "";        // the base model's constant tensor, by name
  int rank = 0;
  float alpha = 0.0f;
  float scaling = 0.0f;
  const TensorView* a = nullptr;  // [rank, K]
  const TensorView* b = nullptr;  // [N, rank]
};

class Adapter {
 public:
  // Maps and verifies `path`. Errors: kIo (open/map), kInvalidModel (corrupt, or a model file),
  // kUnsupported (format version newer than this runtime).
  static Result<std::unique_ptr<Adapter>> load(const char* path);
  // Verifies an adapter held in memory; the caller keeps `data` (64-byte aligned) alive and
  // unchanged for the Adapter's lifetime.
  static Result<std::unique_ptr<Adapter>> load_from_memory(const void* data, size_t size);

  int num_targets() const { return static_cast<int>(targets_.size()); }
  const LoraTarget& target(int index) const { return targets_[static_cast<size_t>(index)]; }
  // Metadata.content_hash of the base model it was trained against.
  const char* base_content_hash() const;

 private:
  Adapter() = default;
  static Result<std::unique_ptr<Adapter>> verify(std::unique_ptr<Adapter> adapter);

  MappedFile file_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  const fb::Adapter* root_ = nullptr;
  std::vector<TensorView> tensors_;
  std::vector<LoraTarget> targets_;
};

}  // namespace sprig
