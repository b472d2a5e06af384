// Status and Result<T>: how every fallible call in runtime/ and backends/ reports failure.
// No exceptions: a call returns a Status (or a Result<T> holding a value or a Status).
#pragma once

#include <cstdint>
#include <new>
#include <utility>

namespace sprig {

// Error codes, grouped by area. Values are part of the C ABI (sprig_status) and only appended.
enum class Code : uint16_t {
  kOk = 0,
  kInvalidArgument = 1,  // the caller passed something wrong (shape, index, option)
  kInvalidModel = 2,     // the file is corrupt, truncated or inconsistent
  kUnsupported = 3,      // valid, but this build or backend cannot do it (op, dtype, version)
  kOutOfMemory = 4,
  kBackend = 5,          // a backend failed (driver error, kernel failure)
  kIo = 6,               // open/read/mmap/write failed
};

const char* code_name(Code code);

// Messages are formatted into a small inline buffer: a Status is a value, costs no heap, and may be
// created on the allocation-free paths.
class [[nodiscard]] Status {
 public:
  static constexpr int kMaxMessage = 240;

  Status() = default;
  Status(Code code, const char* message);

  static Status ok_status() { return Status(); }
  // printf-style message.
  static Status error(Code code, const char* format, ...) __attribute__((format(printf, 2, 3)));

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const char* message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  char message_[kMaxMessage] = {0};
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : has_value_(true) { new (&storage_) T(std::move(value)); }  // NOLINT
  Result(Status status) : status_(status) {}                                  // NOLINT
  Result(Result&& other) noexcept : status_(other.status_), has_value_(other.has_value_) {
    if (has_value_) new (&storage_) T(std::move(other.value()));
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() {
    if (has_value_) value().~T();
  }

  bool ok() const { return has_value_; }
  const Status& status() const { return status_; }
  T& value() { return *reinterpret_cast<T*>(&storage_); }
  const T& value() const { return *reinterpret_cast<const T*>(&storage_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  bool has_value_ = false;
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace sprig

#define SPRIG_CONCAT_INNER(a, b) a##b
#define SPRIG_CONCAT(a, b) SPRIG_CONCAT_INNER(a, b)

#define SPRIG_RETURN_IF_ERROR(expr)            \
  do {                                         \
    ::sprig::Status sprig_status_ = (expr);    \
    if (!sprig_status_.ok()) return sprig_status_; \
  } while (0)

// SPRIG_ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result or returns its Status.
#define SPRIG_ASSIGN_OR_RETURN(decl, expr) \
  SPRIG_ASSIGN_OR_RETURN_IMPL(SPRIG_CONCAT(sprig_result_, __LINE__), decl, expr)
#define SPRIG_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  decl = std::move(tmp.value())
