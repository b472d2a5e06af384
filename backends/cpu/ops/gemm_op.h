// One batched f32 GEMM (gemm.h) as a CpuOp, over weights it packs at creation and owns: the ops
// that are a GEMM straight over their input, FullyConnected and Conv2D 1x1 stride 1 unpadded.
#pragma once

#include <memory>

#include "backends/cpu/cpu_op.h"
#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/ops/fused_activation.h"

namespace sprig::cpu {

// An op running `gemm`, whose kernel, batch, m, n, k, a and c (with their strides) are set: packs
// w and bias into it (pack_gemm_weights, one group per batch entry), clamps C to `clamp` and
// plans it for num_threads. run() makes no allocation. kOutOfMemory naming `op_name` ("cpu: no
// memory for a FullyConnected op") when the op or its weights cannot be had. With `a_rows`, each
// run takes m from its element count at that time (over k) and plans again when m changed: A with
// a run-time leading dimension, gemm.m its maximum.
Result<std::unique_ptr<CpuOp>> create_gemm_op(const TensorView& w, const TensorView* bias,
                                              const F32GemmBatch& gemm, const OutputClamp& clamp,
                                              int num_threads, const char* op_name,
                                              const TensorView* a_rows = nullptr);

}  // namespace sprig::cpu
