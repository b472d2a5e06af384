#include "runtime/core/status.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace sprig {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kInvalidModel: return "invalid model";
    case Code::kUnsupported: return "unsupported";
    case Code::kOutOfMemory: return "out of memory";
    case Code::kBackend: return "backend error";
    case Code::kIo: return "I/O error";
  }
  return "unknown";
}

Status::Status(Code code, const char* message) : code_(code) {
  std::snprintf(message_, sizeof(message_), "%s", message ? message : "");
}

Status Status::error(Code code, const char* format, ...) {
  Status status;
  status.code_ = code;
  va_list args;
  va_start(args, format);
  std::vsnprintf(status.message_, sizeof(status.message_), format, args);
  va_end(args);
  return status;
}

}  // namespace sprig
