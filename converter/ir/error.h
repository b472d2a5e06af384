// The converter reports failures by throwing ConvertError; sprig-convert turns it into a message
// and a non-zero exit, and the output file is never written.
#pragma once

#include <stdexcept>
#include <string>

#include "runtime/core/status.h"

namespace sprig::convert {

class ConvertError : public std::runtime_error {
 public:
  ConvertError(Code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Code code() const { return code_; }

 private:
  Code code_;
};

[[noreturn]] inline void fail(Code code, const std::string& message) {
  throw ConvertError(code, message);
}

}  // namespace sprig::convert
