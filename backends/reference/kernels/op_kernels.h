// The reference kernel for each op type, behind one calling convention: the op and its tensors as
// an OpSignature. The op must have passed check_op and every tensor must be F32 (the backend hands
// in F32 copies of F16/BF16 weights). Conv2D and FullyConnected treat a null input 2 as no bias.
#pragma once

#include "runtime/core/status.h"
#include "runtime/ops/op_check.h"

namespace sprig::reference {

using OpKernel = Status (*)(const OpSignature& op);

// Null for an op type without a kernel.
OpKernel reference_op_kernel(fb::OpType type);

// The kernel of an int8 op (is_int8_op), which reads and writes its I8 / I32 tensors as they are;
// null for an op type without an int8 form.
OpKernel reference_int8_kernel(fb::OpType type);

// The kernel for `op` as check_op accepted it: int8 or float.
OpKernel reference_kernel_for(const OpSignature& op);

}  // namespace sprig::reference
