// Our own kernels behind the CpuOp interface: the whole CPU backend when XNNPACK is not built
// (Android, iOS), and the ops XNNPACK cannot run (or runs slower) when it is.
//
// Activations must be F32; Conv2D and FullyConnected weights may be F32, F16 or BF16 (converted
// to F32 while packing). Ops not listed as supported fall to the next backend in the session's
// preference list (normally the reference backend).
#pragma once

#include <memory>

#include "backends/cpu/cpu_op.h"

namespace sprig::cpu {

// Whether create_own_op handles this op (which must already have passed check_op).
bool own_op_supported(const OpSignature& op);

// Errors: kUnsupported when !own_op_supported(op), kOutOfMemory, kInvalidArgument for tensors
// without data.
Result<std::unique_ptr<CpuOp>> create_own_op(const OpSignature& op, const CpuOpContext& context);

// `op` followed by the in-place pass of `activation` over `y` when the activation is not a clamp
// (null or a clamp: `op` itself).
Result<std::unique_ptr<CpuOp>> append_activation(std::unique_ptr<CpuOp> op,
                                                 const fb::Activation* activation,
                                                 const TensorView& y, const CpuOpContext& context);

// Whether our kernel should run this op even where XNNPACK can (f32 and int8 Winograd 3x3
// convolutions, the int8 7x7 first layer, and with AVX512-VNNI the other int8 convolutions but
// depthwise).
bool own_op_preferred(const OpSignature& op, const CpuOpContext& context);

}  // namespace sprig::cpu
