#include "backends/cpu/ops/fused_activation.h"

namespace sprig::cpu {

ActivationParams activation_params(const fb::Activation* activation) {
  ActivationParams params;
  if (activation) {
    params.kind = activation->kind();
    params.alpha = activation->alpha();
    params.beta = activation->beta();
  }
  return params;
}

bool activation_as_clamp(const fb::Activation* activation, OutputClamp* clamp) {
  *clamp = OutputClamp();
  if (!activation) return true;
  switch (activation->kind()) {
    case fb::ActivationKind::None:
      return true;
    case fb::ActivationKind::Relu:
      clamp->min = 0.0f;
      return true;
    case fb::ActivationKind::Clip:
      clamp->min = activation->alpha();
      clamp->max = activation->beta();
      return true;
    default:
      return false;
  }
}

}  // namespace sprig::cpu
