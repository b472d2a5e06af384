// One XNNPACK operator behind the CpuOp interface (created and set up at prepare on the session's
// fixed tensor addresses, run with xnn_run_operator), and XNNPACK statuses as Status.
#pragma once

#include <xnnpack.h>

#include "backends/cpu/cpu_op.h"

namespace sprig::cpu {

class XnnOp final : public CpuOp {
 public:
  ~XnnOp() override {
    if (op_) xnn_delete_operator(op_);
  }
  xnn_operator_t* handle() { return &op_; }
  void run(void*, pthreadpool_t pool) override { xnn_run_operator(op_, pool); }

 private:
  xnn_operator_t op_ = nullptr;
};

// OK for success; kOutOfMemory, kUnsupported (unsupported parameter or hardware) or kBackend
// naming `what` and the status otherwise.
Status from_xnn(xnn_status status, const char* what);

}  // namespace sprig::cpu
