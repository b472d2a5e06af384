// The factories behind create_own_op, one per op family (each in its own file under ops/).
//
// Every factory takes an op that passed check_op, with data pointers bound, and returns a CpuOp
// whose run() makes no allocation. Factories taking an OutputClamp apply it to their output and
// leave the op's fused activation to the caller; the others apply the op's fused activation
// themselves. Each returns kUnsupported for a case it does not handle (its *_supported function
// says which ahead of time).
#pragma once

#include <memory>

#include "backends/cpu/cpu_op.h"
#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "backends/cpu/kernels/winograd/winograd.h"
#include "backends/cpu/ops/fused_activation.h"

namespace sprig::cpu {

// Conv2D with groups == 1 or grouped (not depthwise): 1x1 as GEMM, 3x3 stride 1 by Winograd,
// the rest by im2col + GEMM. x [N,H,W,C], w [O,KH,KW,C/groups] (F32/F16/BF16), bias [O] or null.
bool conv2d_supported(const OpSignature& op);
// Whether create_conv2d_op beats XNNPACK on this convolution (Winograd), so "cpu" uses ours.
bool conv2d_prefers_own(const OpSignature& op, const CpuOpContext& context);
Result<std::unique_ptr<CpuOp>> create_conv2d_op(const OpSignature& op, const OutputClamp& clamp,
                                                const CpuOpContext& context);
// The Winograd path with a chosen tile (tests and benchmarks); kUnsupported unless 3x3 stride 1
// dilation 1 groups 1 with at least 8 channels in and out.
Result<std::unique_ptr<CpuOp>> create_winograd_conv2d_op(const OpSignature& op,
                                                         const OutputClamp& clamp,
                                                         const CpuOpContext& context,
                                                         WinogradTile tile);

// FullyConnected: x [..., K], w [N, K] (F32/F16/BF16), bias [N] or null.
bool fully_connected_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_fully_connected_op(const OpSignature& op,
                                                         const OutputClamp& clamp,
                                                         const CpuOpContext& context);

// FullyConnected over F32/F16 weights read in place, not packed: taken by create_fully_connected_op
// for the ops whose rows are a run-time leading dimension (transformer layers).
bool reads_weights_in_place(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_in_place_fully_connected_op(const OpSignature& op,
                                                                  const OutputClamp& clamp,
                                                                  const CpuOpContext& context);

// FullyConnected with weight-only quantized weights read in place: I8 per output channel or I4
// group-wise with F16 scales (and I8 zero points).
bool quantized_fully_connected_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_quantized_fully_connected_op(const OpSignature& op,
                                                                   const OutputClamp& clamp,
                                                                   const CpuOpContext& context);

// Depthwise Conv2D (groups == C, O == C * multiplier): fast paths for 3x3 and 5x5.
bool depthwise_conv2d_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_depthwise_conv2d_op(const OpSignature& op,
                                                          const OutputClamp& clamp,
                                                          const CpuOpContext& context);

// An activation over `count` floats from x to y (x == y allowed: in place). Used for Activation
// ops and for fused activations that are not clamps. With `counted`, each run covers its element
// count at that time instead (a tensor with a run-time leading dimension; count is its maximum).
Result<std::unique_ptr<CpuOp>> create_activation_op(const ActivationParams& activation,
                                                    const float* x, float* y, size_t count,
                                                    const CpuOpContext& context,
                                                    const TensorView* counted = nullptr);

// Add/Sub/Mul/Div with numpy broadcasting and their fused activation.
bool binary_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_binary_op(const OpSignature& op, const CpuOpContext& context);

// MaxPool2D / AveragePool2D, GlobalAveragePool, Softmax, Reshape, Concat, Transpose.
bool pool2d_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_pool2d_op(const OpSignature& op, const CpuOpContext& context);
Result<std::unique_ptr<CpuOp>> create_global_average_pool_op(const OpSignature& op,
                                                             const CpuOpContext& context);
bool softmax_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_softmax_op(const OpSignature& op,
                                                 const CpuOpContext& context);
Result<std::unique_ptr<CpuOp>> create_reshape_op(const OpSignature& op,
                                                 const CpuOpContext& context);
bool concat_supported(const OpSignature& op);
// Transpose of any 4-byte dtype, rank up to kMaxRank.
bool transpose_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_transpose_op(const OpSignature& op,
                                                   const CpuOpContext& context);
Result<std::unique_ptr<CpuOp>> create_concat_op(const OpSignature& op, const CpuOpContext& context);

// Transformer ops (sprig.fbs gives each one's formula): Gather from an F32/F16/BF16 table,
// RmsNorm and LayerNorm (gather.cc, normalization.cc), Rope (rope.cc) and Attention with or
// without a KV cache (attention.cc). Out-of-range indices and positions are refused by
// CpuOp::check_inputs.
bool gather_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_gather_op(const OpSignature& op, const CpuOpContext& context);
bool normalization_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_normalization_op(const OpSignature& op,
                                                       const CpuOpContext& context);
bool rope_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_rope_op(const OpSignature& op, const CpuOpContext& context);
bool attention_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_attention_op(const OpSignature& op,
                                                   const CpuOpContext& context);

// int8 ops (is_int8_op): Quantize, Dequantize, Add of equal shapes, MaxPool2D, GlobalAveragePool,
// Reshape, Conv2D and FullyConnected with constant weights (int8_ops.cc).
bool int8_own_op_supported(const OpSignature& op);
// int8 Conv2D with one group and at most 64 taps, and FullyConnected, on the int8 GEMM
// (int8_gemm_conv.cc); int8_own_op_supported(op) must hold.
bool int8_gemm_conv_supported(const OpSignature& op);
// Whether that op gathers each output pixel's taps first (few input channels, as a first layer).
bool int8_gemm_conv_gathers_taps(const OpSignature& op);
// kAuto: the dot-product form where the CPU has a dot-product kernel, else the multiply-add form;
// tests may ask for either (the dot form then runs its scalar kernel where the CPU has none).
enum class Int8GemmForm { kAuto, kMultiplyAdd, kDot };
Result<std::unique_ptr<CpuOp>> create_int8_gemm_conv_op(const OpSignature& op,
                                                        const CpuOpContext& context,
                                                        Int8GemmForm form = Int8GemmForm::kAuto);
// int8 Conv2D 3x3, stride 1, dilation 1, one group, 8 to 1827 input channels and at least 8
// output channels, by exact Winograd (int8_winograd_conv.cc): the tile int8_winograd_tile_for
// picks, or a chosen one (tests; F(4x4) needs qwinograd_f4x4_exact of the weights).
bool int8_winograd_conv_supported(const OpSignature& op);
QWinogradTile int8_winograd_tile_for(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_int8_winograd_conv_op(const OpSignature& op,
                                                            const CpuOpContext& context,
                                                            QWinogradTile tile);
// int8 depthwise Conv2D (groups == input == output channels, at most 64 taps)
// (int8_depthwise_conv.cc).
bool int8_depthwise_conv_supported(const OpSignature& op);
Result<std::unique_ptr<CpuOp>> create_int8_depthwise_conv_op(const OpSignature& op,
                                                             const CpuOpContext& context);
Result<std::unique_ptr<CpuOp>> create_int8_own_op(const OpSignature& op,
                                                  const CpuOpContext& context);

}  // namespace sprig::cpu
