// XNNPACK's f32 operators behind the CpuOp interface (operator API: created and set up at
// prepare on the session's fixed tensor addresses, run with xnn_run_operator).
#pragma once

#include <memory>

#include "backends/cpu/cpu_op.h"

namespace sprig::cpu {

// Whether XNNPACK runs this op (F32 activations; F32/F16/BF16 weights are converted at creation).
bool xnn_op_supported(const OpSignature& op);

// Errors: kUnsupported when !xnn_op_supported(op), kOutOfMemory, kBackend when XNNPACK cannot
// be initialized or refuses the operator (its status named).
Result<std::unique_ptr<CpuOp>> create_xnn_op(const OpSignature& op, const CpuOpContext& context);

}  // namespace sprig::cpu
