// Hugging Face safetensors checkpoints: one `model.safetensors`, or shards listed by
// `model.safetensors.index.json`. Each file is mapped, its JSON header checked (dtype, shape and
// data_offsets of every tensor inside the file, tensors packed without overlap) and the tensors
// read in place. Errors throw ConvertError naming the file and the tensor at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/core/mapped_file.h"

namespace sprig::convert {

struct SafeTensor {
  std::string name;
  std::string dtype;  // as the header says: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // inside the mapping; bytes = numel x dtype size
  size_t bytes = 0;
  std::string file;

  int64_t numel() const;
};

class SafetensorsCheckpoint {
 public:
  // DIR/model.safetensors, else the shards DIR/model.safetensors.index.json names (every tensor
  // of its weight_map must be in the shard it names). kIo when neither exists.
  static SafetensorsCheckpoint open_dir(const std::string& dir);
  // Adds the tensors of one file; a name already present is an error.
  void add_file(const std::string& path);

  const SafeTensor* find(const std::string& name) const;  // null when absent
  const SafeTensor& at(const std::string& name) const;    // throws kInvalidModel when absent
  const std::map<std::string, SafeTensor>& tensors() const { return tensors_; }
  // F32, F16 or BF16 values as float; other dtypes throw kUnsupported naming the tensor.
  std::vector<float> to_f32(const SafeTensor& tensor) const;

 private:
  std::vector<std::unique_ptr<MappedFile>> files_;
  std::map<std::string, SafeTensor> tensors_;
};

}  // namespace sprig::convert
