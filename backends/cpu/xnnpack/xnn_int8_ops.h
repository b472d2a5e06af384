// XNNPACK's int8 convolutions (qc8: per-channel weights, fp32 requantization, the same rounding as
// runtime/core/int8_arith.h) for int8 Conv2D, depthwise included, and FullyConnected, which runs
// as a 1x1 convolution (this XNNPACK has no per-channel fully connected operator).
#pragma once

#include <memory>

#include "backends/cpu/cpu_op.h"

namespace sprig::cpu {

// An int8 Conv2D / FullyConnected whose requantization multipliers XNNPACK accepts.
bool xnn_int8_op_supported(const OpSignature& op);

Result<std::unique_ptr<CpuOp>> create_xnn_int8_op(const OpSignature& op,
                                                  const CpuOpContext& context);

}  // namespace sprig::cpu
