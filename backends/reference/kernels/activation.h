// Activation functions: the elementwise Activation op and the fused activation of Conv2D,
// FullyConnected and the binary ops. Formulas follow sprig.fbs (ActivationKind).
#pragma once

#include <cmath>

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

inline float sigmoid(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

// activation(x); a null activation, kind None or an unknown kind is the identity. NaN propagates.
inline float apply_activation(const fb::Activation* activation, float x) {
  if (!activation) return x;
  const float alpha = activation->alpha();
  const float beta = activation->beta();
  switch (activation->kind()) {
    case fb::ActivationKind::None:
      return x;
    case fb::ActivationKind::Relu:
      return x < 0.0f ? 0.0f : x;
    case fb::ActivationKind::Clip:
      return x < alpha ? alpha : (x > beta ? beta : x);
    case fb::ActivationKind::LeakyRelu:
      return x < 0.0f ? alpha * x : x;
    case fb::ActivationKind::Sigmoid:
      return sigmoid(x);
    case fb::ActivationKind::Tanh:
      return std::tanh(x);
    case fb::ActivationKind::HardSigmoid: {
      const float v = alpha * x + beta;
      return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    }
    case fb::ActivationKind::HardSwish: {
      const float r = x + 3.0f;
      return x * (r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r)) / 6.0f;
    }
    case fb::ActivationKind::Gelu:
      return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f));
    case fb::ActivationKind::GeluTanh: {
      const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
      return 0.5f * x * (1.0f + std::tanh(inner));
    }
    case fb::ActivationKind::Silu:
      return x * sigmoid(x);
  }
  return x;
}

// y = activation(x) elementwise. x and y have the same shape (kInvalidArgument otherwise); y may
// be x itself.
Status f32_activation__ref(const TensorView& x, const fb::Activation* activation,
                           const TensorView& y);

}  // namespace sprig::reference
