#include "backends/cpu/ops/fused_activation.h"

namespace sprig::cpu {

const fb::Activation* fused_activation(const fb::Op& op) {
  switch (op.type()) {
    case fb::OpType::Conv2D:
      return op.options_as_Conv2DOptions() ? op.options_as_Conv2DOptions()->fused() : nullptr;
    case fb::OpType::FullyConnected:
      return op.options_as_FullyConnectedOptions()
                 ? op.options_as_FullyConnectedOptions()->fused()
                 : nullptr;
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
      return op.options_as_BinaryOptions() ? op.options_as_BinaryOptions()->fused() : nullptr;
    default:
      return nullptr;
  }
}

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
