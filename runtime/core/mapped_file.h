// A read-only memory mapping of a whole file, released on destruction.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"

namespace sprig {

class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // Errors: kIo naming the path and the system's reason.
  Status open(const char* path);
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void reset();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sprig
