// Model: an immutable, verified view of a .sprig file.
//
// load() maps the file read-only and uses the weights in place (no copy). Before anything else
// reads it, the file is checked: fixed header, flatbuffers Verifier, then semantic checks (indices
// in range, offsets and sizes inside the file, alignment, dtypes and shapes valid for every op, a
// sound memory plan). A Model is never modified after load and may be shared by any number of
// sessions on any threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/core/mapped_file.h"
#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig {

constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kMinFormatVersion = 1;

class Model {
 public:
  // Maps and verifies `path`. Errors: kIo (open/map), kInvalidModel (corrupt), kUnsupported
  // (format version newer than this runtime).
  static Result<std::unique_ptr<Model>> load(const char* path);
  // Verifies a model held in memory. The caller keeps `data` alive and unchanged for the Model's
  // lifetime; it must be 64-byte aligned for the tensor data to be aligned.
  static Result<std::unique_ptr<Model>> load_from_memory(const void* data, size_t size);

  const fb::Model& flatbuffer() const { return *root_; }
  const fb::Graph& graph() const { return *root_->graph(); }

  int num_tensors() const { return static_cast<int>(tensors_.size()); }
  // Constants point at their mmapped bytes; activations have data == nullptr.
  const TensorView& tensor(int index) const { return tensors_[index]; }
  const char* tensor_name(int index) const;
  bool is_constant(int index) const { return tensors_[index].data != nullptr; }
  // Offset of an activation in the planned arena; -1 for constants.
  int64_t arena_offset(int index) const { return arena_offsets_[index]; }

  int num_ops() const { return static_cast<int>(root_->graph()->ops()->size()); }
  const fb::Op& op(int index) const { return *root_->graph()->ops()->Get(index); }

  int num_inputs() const { return static_cast<int>(graph().inputs()->size()); }
  int num_outputs() const { return static_cast<int>(graph().outputs()->size()); }
  int input_tensor(int i) const { return graph().inputs()->Get(i); }
  int output_tensor(int i) const { return graph().outputs()->Get(i); }

  uint64_t arena_size() const { return root_->memory_plan()->arena_size(); }
  uint64_t naive_arena_size() const { return root_->memory_plan()->naive_size(); }
  const char* content_hash() const;
  // The embedded tokenizer (sprig.fbs, table Tokenizer), or null.
  const fb::Tokenizer* tokenizer() const { return root_->tokenizer(); }
  size_t file_size() const { return size_; }

 private:
  Model() = default;
  static Result<std::unique_ptr<Model>> verify(std::unique_ptr<Model> model);

  MappedFile file_;
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  const fb::Model* root_ = nullptr;
  std::vector<TensorView> tensors_;
  std::vector<int64_t> arena_offsets_;
};

}  // namespace sprig
