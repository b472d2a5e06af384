// Building an op's OpSignature from a model and a tensor table.
#pragma once

#include <vector>

#include "runtime/core/model.h"
#include "runtime/ops/op_check.h"

namespace sprig {

// Fills `signature` with op `op_index` of `model` over `tensors` (indexed like the model's tensors:
// the session's views at prepare, &model.tensor(0) when only shapes and dtypes matter). The views'
// pointers are appended to `storage`, which must not reallocate while the signature is in use
// (reserve it, or use a fresh vector per op). An absent optional input (index -1) becomes null.
// False when the op index or a tensor index is out of range.
bool op_signature(const Model& model, int op_index, const TensorView* tensors,
                  std::vector<const TensorView*>* storage, OpSignature* signature);

// The number of inputs plus outputs of op `op_index` (0 when out of range).
size_t op_tensor_count(const Model& model, int op_index);

}  // namespace sprig
