// Elementwise kernels: activations (y = f(x)) and the binary ops with an output clamp, per
// instruction set, and the tables that pick them from the CPU's features.
//
// Every kernel processes n >= 1 contiguous floats, reads x[i] (a[i], b[i]) before writing y[i]
// and so runs in place (y == x, y == a or y == b). Kernels never allocate and are thread-safe.
#pragma once

#include <cstddef>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {

struct UnaryParams {
  float alpha = 0.0f;  // LeakyRelu slope, Clip min, HardSigmoid slope
  float beta = 0.0f;   // Clip max, HardSigmoid offset
};
using f32_vunary_fn = void (*)(size_t n, const float* x, float* y, const UnaryParams& params);

// y[i] = min(max(a[i] OP b[i], min), max); NaN propagates.
struct BinaryParams {
  float min;
  float max;
};
using f32_vbinary_fn = void (*)(size_t n, const float* a, const float* b, float* y,
                                const BinaryParams& params);

enum class BinaryOp { kAdd, kSub, kMul, kDiv };

// The three shapes of a binary row: both operands vectors, b one value (b[0]), a one value.
struct BinaryKernels {
  f32_vbinary_fn vv;  // y[i] = a[i] OP b[i]
  f32_vbinary_fn vc;  // y[i] = a[i] OP b[0]
  f32_vbinary_fn cv;  // y[i] = a[0] OP b[i], called with (n, b, a, y): "reversed" vc
};

// The activation kernel for `kind` (None copies; for the Relu kernel params are unused, for Clip
// alpha/beta are the bounds), or null for an unknown kind.
f32_vunary_fn f32_vunary_kernel(fb::ActivationKind kind, const CpuFeatures& features);
BinaryKernels f32_vbinary_kernels(BinaryOp op, const CpuFeatures& features);

// The kernels by name. ISA is scalar, avx2_fma (x86-64 builds) or neon (Arm builds).
#define SPRIG_DECLARE_ELEMENTWISE_KERNELS(isa)                                                 \
  void f32_vcopy__##isa(size_t n, const float* x, float* y, const UnaryParams& params);        \
  void f32_vrelu__##isa(size_t n, const float* x, float* y, const UnaryParams& params);        \
  void f32_vclamp__##isa(size_t n, const float* x, float* y, const UnaryParams& params);       \
  void f32_vlrelu__##isa(size_t n, const float* x, float* y, const UnaryParams& params);       \
  void f32_vsigmoid__##isa(size_t n, const float* x, float* y, const UnaryParams& params);     \
  void f32_vtanh__##isa(size_t n, const float* x, float* y, const UnaryParams& params);        \
  void f32_vhardsigmoid__##isa(size_t n, const float* x, float* y, const UnaryParams& params); \
  void f32_vhardswish__##isa(size_t n, const float* x, float* y, const UnaryParams& params);   \
  void f32_vgelu__##isa(size_t n, const float* x, float* y, const UnaryParams& params);        \
  void f32_vgelutanh__##isa(size_t n, const float* x, float* y, const UnaryParams& params);    \
  void f32_vsilu__##isa(size_t n, const float* x, float* y, const UnaryParams& params);        \
  void f32_vadd_minmax__##isa(size_t n, const float* a, const float* b, float* y,              \
                              const BinaryParams& params);                                     \
  void f32_vaddc_minmax__##isa(size_t n, const float* a, const float* b, float* y,             \
                               const BinaryParams& params);                                    \
  void f32_vsub_minmax__##isa(size_t n, const float* a, const float* b, float* y,              \
                              const BinaryParams& params);                                     \
  void f32_vsubc_minmax__##isa(size_t n, const float* a, const float* b, float* y,             \
                               const BinaryParams& params);                                    \
  void f32_vrsubc_minmax__##isa(size_t n, const float* a, const float* b, float* y,            \
                                const BinaryParams& params);                                   \
  void f32_vmul_minmax__##isa(size_t n, const float* a, const float* b, float* y,              \
                              const BinaryParams& params);                                     \
  void f32_vmulc_minmax__##isa(size_t n, const float* a, const float* b, float* y,             \
                               const BinaryParams& params);                                    \
  void f32_vdiv_minmax__##isa(size_t n, const float* a, const float* b, float* y,              \
                              const BinaryParams& params);                                     \
  void f32_vdivc_minmax__##isa(size_t n, const float* a, const float* b, float* y,             \
                               const BinaryParams& params);                                    \
  void f32_vrdivc_minmax__##isa(size_t n, const float* a, const float* b, float* y,            \
                                const BinaryParams& params);

SPRIG_DECLARE_ELEMENTWISE_KERNELS(scalar)
#if defined(__x86_64__)
SPRIG_DECLARE_ELEMENTWISE_KERNELS(avx2_fma)
#endif
#if defined(__aarch64__) || defined(__arm__)
SPRIG_DECLARE_ELEMENTWISE_KERNELS(neon)
#endif

}  // namespace sprig::cpu
