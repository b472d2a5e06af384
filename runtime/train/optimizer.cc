#include "runtime/train/optimizer.h"

#include <algorithm>
#include <cmath>

namespace sprig::train {

void sgd_step(float* param, const float* grad, float* buffer, size_t n, int64_t step, float lr,
              const SgdOptions& options) {
  for (size_t i = 0; i < n; ++i) {
    float g = grad[i] + options.weight_decay * param[i];
    if (options.momentum != 0.0f) {
      buffer[i] = step <= 1 ? g : options.momentum * buffer[i] + (1.0f - options.dampening) * g;
      g = options.nesterov ? g + options.momentum * buffer[i] : buffer[i];
    }
    param[i] -= lr * g;
  }
}

void adamw_step(float* param, const float* grad, float* m, float* v, size_t n, int64_t step,
                float lr, const AdamWOptions& options) {
  const double t = static_cast<double>(step);
  const double bias1 = 1.0 - std::pow(double(options.beta1), t);
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(double(options.beta2), t));
  const float step_size = static_cast<float>(lr / bias1);
  for (size_t i = 0; i < n; ++i) {
    param[i] *= 1.0f - lr * options.weight_decay;
    m[i] = options.beta1 * m[i] + (1.0f - options.beta1) * grad[i];
    v[i] = options.beta2 * v[i] + (1.0f - options.beta2) * grad[i] * grad[i];
    const float denom = static_cast<float>(std::sqrt(double(v[i])) / bias2_sqrt) + options.eps;
    param[i] -= step_size * m[i] / denom;
  }
}

float clip_grad_norm(float* const* grads, const size_t* sizes, size_t count, float max_norm) {
  double squares = 0.0;
  for (size_t t = 0; t < count; ++t)
    for (size_t i = 0; i < sizes[t]; ++i) squares += double(grads[t][i]) * grads[t][i];
  const double norm = std::sqrt(squares);
  const double coefficient = double(max_norm) / (norm + 1e-6);
  if (coefficient < 1.0)
    for (size_t t = 0; t < count; ++t)
      for (size_t i = 0; i < sizes[t]; ++i) grads[t][i] = static_cast<float>(grads[t][i] * coefficient);
  return static_cast<float>(norm);
}

float learning_rate(Schedule schedule, float base_lr, int64_t step, int64_t warmup, int64_t total) {
  if (schedule == Schedule::kConstant) return base_lr;
  if (step < warmup) return base_lr * static_cast<float>(step) / static_cast<float>(std::max<int64_t>(1, warmup));
  const double progress = double(step - warmup) / double(std::max<int64_t>(1, total - warmup));
  return base_lr * static_cast<float>(std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress))));
}

}  // namespace sprig::train
