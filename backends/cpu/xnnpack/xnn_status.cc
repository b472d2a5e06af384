#include "backends/cpu/xnnpack/xnn_status.h"

#include "backends/cpu/xnnpack/xnn_operator.h"

namespace sprig::cpu {

const char* xnn_status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid parameter";
    case xnn_status_invalid_state: return "invalid state";
    case xnn_status_unsupported_parameter: return "unsupported parameter";
    case xnn_status_unsupported_hardware: return "unsupported hardware";
    case xnn_status_out_of_memory: return "out of memory";
  }
  return "unknown status";
}

Status from_xnn(xnn_status status, const char* what) {
  if (status == xnn_status_success) return Status::ok_status();
  const Code code = status == xnn_status_out_of_memory ? Code::kOutOfMemory
                    : (status == xnn_status_unsupported_parameter ||
                       status == xnn_status_unsupported_hardware)
                        ? Code::kUnsupported
                        : Code::kBackend;
  return Status::error(code, "XNNPACK %s: %s", what, xnn_status_name(status));
}

}  // namespace sprig::cpu
