// Optimizers, gradient clipping and learning-rate schedules for the training engine, as PyTorch
// defines them (torch.optim.SGD, torch.optim.AdamW, torch.nn.utils.clip_grad_norm_) and Hugging
// Face's cosine schedule with warmup. Each works on one parameter tensor at a time over caller-owned
// state; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprig::train {

struct SgdOptions {
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;  // L2, added to the gradient
  bool nesterov = false;
};

// One step on param[0, n) with grad; `buffer` [n] is the momentum buffer (unused without
// momentum), `step` counts from 1 (step 1 starts the buffer at the gradient, as PyTorch does).
void sgd_step(float* param, const float* grad, float* buffer, size_t n, int64_t step, float lr,
              const SgdOptions& options);

struct AdamWOptions {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.01f;  // decoupled: param *= 1 - lr * weight_decay
};

// One step on param[0, n); m and v [n] are the moment estimates (zero before step 1).
void adamw_step(float* param, const float* grad, float* m, float* v, size_t n, int64_t step,
                float lr, const AdamWOptions& options);

// Scales every gradient by max_norm / (norm + 1e-6) when the global L2 norm over all of them
// exceeds max_norm; returns the norm before clipping. grads[i] has sizes[i] elements.
float clip_grad_norm(float* const* grads, const size_t* sizes, size_t count, float max_norm);

// The learning rate at `step` (0-based) of `total` steps: constant, or linear warmup over
// `warmup` steps from 0 then a half cosine down to 0 at `total`.
enum class Schedule { kConstant, kWarmupCosine };
float learning_rate(Schedule schedule, float base_lr, int64_t step, int64_t warmup, int64_t total);

}  // namespace sprig::train
