// Weights of the ops built on the f32 GEMM (Conv2D, FullyConnected), packed at creation: which
// dtypes they may have, and packing them and their bias into the layout gemm.h describes.
#pragma once

#include <cstddef>

#include "backends/cpu/cpu_op.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {

// Whether weights or bias of this dtype can be packed: F32, F16 or BF16.
bool weight_dtype_ok(DType dtype);

// The op's bias (inputs[2]) when it has one with data, else null.
const TensorView* bias_of(const OpSignature& op);

// Packed GEMM weights of `groups` independent GEMMs (one per group of a grouped convolution).
struct GemmWeights {
  AlignedBuffer packed;     // group g's panels at packed + g * group_stride floats
  AlignedBuffer bias;       // group g's bias at bias + g * bias_stride floats; empty when none
  size_t group_stride = 0;  // floats
  size_t bias_stride = 0;   // floats: the group's output count rounded up to nr
};

// Packs weights w [groups * Og, ...] (F32/F16/BF16; K = the product of the other dimensions) as
// each group's B [K, Og] in panels of width nr, and bias [groups * Og] (F32/F16/BF16, or null for
// none) zero-padded per group. kOutOfMemory, naming `op_name` ("cpu: no memory for Conv2D
// weights"), when the buffers cannot be had.
Status pack_gemm_weights(const TensorView& w, const TensorView* bias, size_t groups, size_t nr,
                         const char* op_name, GemmWeights* out);

// Copies bias [groups * group_size] (F32/F16/BF16) as f32 into `out`, group g at g * stride floats
// followed by zeros up to stride (>= group_size). kOutOfMemory naming `op_name` ("cpu: no memory
// for Conv2D bias") when `out` cannot be allocated.
Status pack_bias(const TensorView& bias, size_t groups, size_t group_size, size_t stride,
                 const char* op_name, AlignedBuffer* out);

}  // namespace sprig::cpu
