#include "runtime/core/mapped_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sprig {

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { reset(); }

void MappedFile::reset() {
  if (data_) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

Status MappedFile::open(const char* path) {
  reset();
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::error(Code::kIo, "cannot open '%s': %s", path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::error(Code::kIo, "cannot stat '%s': %s", path, std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(Code::kIo, "'%s' is not a regular file", path);
  }
  if (st.st_size == 0) {
    ::close(fd);
    return Status::error(Code::kInvalidModel, "'%s' is empty", path);
  }
  void* mapped = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (mapped == MAP_FAILED)
    return Status::error(Code::kIo, "cannot map '%s': %s", path, std::strerror(err));
  data_ = static_cast<uint8_t*>(mapped);
  size_ = static_cast<size_t>(st.st_size);
  return Status::ok_status();
}

}  // namespace sprig
