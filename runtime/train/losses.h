// Training losses: each returns the loss and writes its gradient with respect to the model's
// output into `grad` (same layout as the output; may not alias the inputs). No allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprig::train {

// Mean over the rows whose target is not `ignore_index` of -log softmax(logits[r])[targets[r]];
// logits [rows, classes] row-major. Masked rows (prompt tokens) get zero gradient; with every row
// masked the loss and gradient are 0. Targets outside [0, classes) other than ignore_index are a
// programming error the caller checks first (check_targets).
float softmax_cross_entropy(const float* logits, size_t rows, size_t classes,
                            const int32_t* targets, int32_t ignore_index, float* grad);
// The first row whose target is neither in [0, classes) nor ignore_index, or -1.
int64_t check_targets(const int32_t* targets, size_t rows, size_t classes, int32_t ignore_index);

// Mean over n of (y - target)^2.
float mean_squared_error(const float* y, const float* target, size_t n, float* grad);

// Distillation: T^2 * mean over rows of KL(softmax(teacher / T) || softmax(student / T)), the
// gradient with respect to the student's logits [rows, classes].
float kl_divergence(const float* student, const float* teacher, size_t rows, size_t classes,
                    float temperature, float* grad);

}  // namespace sprig::train
