// An owned, 64-byte aligned block of heap memory (packed weights, scratch), made at prepare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace sprig {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 64;

  AlignedBuffer() = default;
  // False (and an empty buffer) when the memory cannot be had. Zero bytes gives a valid, empty
  // buffer whose data() is null.
  bool allocate(size_t bytes) {
    data_.reset();
    size_ = 0;
    if (bytes == 0) return true;
    const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded < bytes) return false;
    data_.reset(std::aligned_alloc(kAlignment, rounded));
    if (!data_) return false;
    size_ = bytes;
    return true;
  }

  void* data() const { return data_.get(); }
  template <typename T>
  T* as() const { return static_cast<T*>(data_.get()); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<void, FreeDeleter> data_;
  size_t size_ = 0;
};

}  // namespace sprig
