// Picks the elementwise kernels for the CPU's features.
#include "backends/cpu/kernels/elementwise/elementwise.h"

namespace sprig::cpu {
namespace {

#define SPRIG_UNARY_SWITCH(isa)           \
  switch (kind) {                         \
    case fb::ActivationKind::None:        \
      return f32_vcopy__##isa;            \
    case fb::ActivationKind::Relu:        \
      return f32_vrelu__##isa;            \
    case fb::ActivationKind::Clip:        \
      return f32_vclamp__##isa;           \
    case fb::ActivationKind::LeakyRelu:   \
      return f32_vlrelu__##isa;           \
    case fb::ActivationKind::Sigmoid:     \
      return f32_vsigmoid__##isa;         \
    case fb::ActivationKind::Tanh:        \
      return f32_vtanh__##isa;            \
    case fb::ActivationKind::HardSigmoid: \
      return f32_vhardsigmoid__##isa;     \
    case fb::ActivationKind::HardSwish:   \
      return f32_vhardswish__##isa;       \
    case fb::ActivationKind::Gelu:        \
      return f32_vgelu__##isa;            \
    case fb::ActivationKind::GeluTanh:    \
      return f32_vgelutanh__##isa;        \
    case fb::ActivationKind::Silu:        \
      return f32_vsilu__##isa;            \
  }                                       \
  return nullptr;

#define SPRIG_BINARY_SWITCH(isa)                                                          \
  switch (op) {                                                                           \
    case BinaryOp::kAdd:                                                                  \
      return {f32_vadd_minmax__##isa, f32_vaddc_minmax__##isa, f32_vaddc_minmax__##isa};  \
    case BinaryOp::kSub:                                                                  \
      return {f32_vsub_minmax__##isa, f32_vsubc_minmax__##isa, f32_vrsubc_minmax__##isa}; \
    case BinaryOp::kMul:                                                                  \
      return {f32_vmul_minmax__##isa, f32_vmulc_minmax__##isa, f32_vmulc_minmax__##isa};  \
    case BinaryOp::kDiv:                                                                  \
      return {f32_vdiv_minmax__##isa, f32_vdivc_minmax__##isa, f32_vrdivc_minmax__##isa}; \
  }                                                                                       \
  return {nullptr, nullptr, nullptr};

f32_vunary_fn scalar_unary(fb::ActivationKind kind){SPRIG_UNARY_SWITCH(scalar)} BinaryKernels
    scalar_binary(BinaryOp op){SPRIG_BINARY_SWITCH(scalar)}
#if defined(__x86_64__)
f32_vunary_fn avx2_unary(fb::ActivationKind kind){SPRIG_UNARY_SWITCH(avx2_fma)} BinaryKernels
    avx2_binary(BinaryOp op){SPRIG_BINARY_SWITCH(avx2_fma)}
#endif
#if defined(__aarch64__) || defined(__arm__)
f32_vunary_fn neon_unary(fb::ActivationKind kind){SPRIG_UNARY_SWITCH(neon)} BinaryKernels
    neon_binary(BinaryOp op) {
  SPRIG_BINARY_SWITCH(neon)
}
#endif

}  // namespace

f32_vunary_fn f32_vunary_kernel(fb::ActivationKind kind, const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return avx2_unary(kind);
#endif
#if defined(__aarch64__) || defined(__arm__)
  if (features.neon && features.neon_fma) return neon_unary(kind);
#endif
  (void)features;
  return scalar_unary(kind);
}

BinaryKernels f32_vbinary_kernels(BinaryOp op, const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma) return avx2_binary(op);
#endif
#if defined(__aarch64__) || defined(__arm__)
  if (features.neon && features.neon_fma) return neon_binary(op);
#endif
  (void)features;
  return scalar_binary(op);
}

}  // namespace sprig::cpu
