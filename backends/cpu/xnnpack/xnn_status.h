// Names for XNNPACK's status codes, for error messages.
#pragma once

#include <xnnpack.h>

namespace sprig::cpu {

// "invalid parameter", ...; "unknown status" for a code this XNNPACK version did not have.
const char* xnn_status_name(xnn_status status);

}  // namespace sprig::cpu
