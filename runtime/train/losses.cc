#include "runtime/train/losses.h"

#include <algorithm>
#include <cmath>

namespace sprig::train {

int64_t check_targets(const int32_t* targets, size_t rows, size_t classes, int32_t ignore_index) {
  for (size_t r = 0; r < rows; ++r)
    if (targets[r] != ignore_index && (targets[r] < 0 || static_cast<size_t>(targets[r]) >= classes))
      return static_cast<int64_t>(r);
  return -1;
}

float softmax_cross_entropy(const float* logits, size_t rows, size_t classes,
                            const int32_t* targets, int32_t ignore_index, float* grad) {
  size_t counted = 0;
  for (size_t r = 0; r < rows; ++r) counted += targets[r] != ignore_index;
  double loss = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    const float* x = logits + r * classes;
    float* g = grad + r * classes;
    if (targets[r] == ignore_index) {
      std::fill(g, g + classes, 0.0f);
      continue;
    }
    double top = -INFINITY;
    for (size_t c = 0; c < classes; ++c) top = std::max(top, double(x[c]));
    double sum = 0.0;
    for (size_t c = 0; c < classes; ++c) sum += std::exp(double(x[c]) - top);
    const double log_z = top + std::log(sum);
    const size_t target = static_cast<size_t>(targets[r]);
    loss += log_z - x[target];
    for (size_t c = 0; c < classes; ++c)
      g[c] = static_cast<float>((std::exp(double(x[c]) - log_z) - (c == target)) / double(counted));
  }
  return counted > 0 ? static_cast<float>(loss / double(counted)) : 0.0f;
}

float mean_squared_error(const float* y, const float* target, size_t n, float* grad) {
  double loss = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = double(y[i]) - target[i];
    loss += d * d;
    grad[i] = static_cast<float>(2.0 * d / double(n));
  }
  return n > 0 ? static_cast<float>(loss / double(n)) : 0.0f;
}

float kl_divergence(const float* student, const float* teacher, size_t rows, size_t classes,
                    float temperature, float* grad) {
  const double t = temperature;
  double loss = 0.0;
  for (size_t r = 0; r < rows; ++r) {
    const float* s = student + r * classes;
    const float* q = teacher + r * classes;
    float* g = grad + r * classes;
    // With p = softmax(q / T) and s' = softmax(s / T): KL = sum p (log p - log s'), and
    // d(T^2 KL)/ds = T (s' - p). g holds p, then the gradient.
    double log_zq = 0.0, log_zs = 0.0, top_q = -INFINITY, top_s = -INFINITY;
    for (size_t c = 0; c < classes; ++c) {
      top_q = std::max(top_q, double(q[c]) / t);
      top_s = std::max(top_s, double(s[c]) / t);
    }
    for (size_t c = 0; c < classes; ++c) {
      log_zq += std::exp(double(q[c]) / t - top_q);
      log_zs += std::exp(double(s[c]) / t - top_s);
    }
    log_zq = top_q + std::log(log_zq);
    log_zs = top_s + std::log(log_zs);
    for (size_t c = 0; c < classes; ++c) {
      const double log_p = double(q[c]) / t - log_zq, log_s = double(s[c]) / t - log_zs;
      const double p = std::exp(log_p);
      loss += p * (log_p - log_s);
      g[c] = static_cast<float>(t * (std::exp(log_s) - p) / double(rows));
    }
  }
  return rows > 0 ? static_cast<float>(t * t * loss / double(rows)) : 0.0f;
}

}  // namespace sprig::train
