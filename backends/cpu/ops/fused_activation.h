// Splitting an op's fused activation into what a kernel can clamp and what must run after it.
#pragma once

#include <limits>

#include "runtime/core/tensor.h"

namespace sprig::cpu {

struct OutputClamp {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

// The fused activation of a Conv2D, FullyConnected or Add/Sub/Mul/Div op; null for other ops and
// for none.
const fb::Activation* fused_activation(const fb::Op& op);

// An activation by value (a null fb::Activation is kind None).
struct ActivationParams {
  fb::ActivationKind kind = fb::ActivationKind::None;
  float alpha = 0.0f;
  float beta = 0.0f;
};
ActivationParams activation_params(const fb::Activation* activation);

// True (and the clamp range) when the activation is None, Relu or Clip, which kernels apply by
// clamping their output; false for every other kind, which needs its own pass after the op.
bool activation_as_clamp(const fb::Activation* activation, OutputClamp* clamp);

}  // namespace sprig::cpu
