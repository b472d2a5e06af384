#include "runtime/ops/op_signature.h"

namespace sprig {
namespace {

size_t vector_size(const flatbuffers::Vector<int32_t>* v) { return v ? v->size() : 0; }

bool append_tensors(const flatbuffers::Vector<int32_t>* indices, int num_tensors,
                    const TensorView* tensors, std::vector<const TensorView*>* storage) {
  for (size_t i = 0; i < vector_size(indices); ++i) {
    const int index = indices->Get(static_cast<uint32_t>(i));
    if (index >= num_tensors) return false;
    storage->push_back(index < 0 ? nullptr : &tensors[index]);
  }
  return true;
}

}  // namespace

size_t op_tensor_count(const Model& model, int op_index) {
  if (op_index < 0 || op_index >= model.num_ops()) return 0;
  const fb::Op& op = model.op(op_index);
  return vector_size(op.inputs()) + vector_size(op.outputs());
}

bool op_signature(const Model& model, int op_index, const TensorView* tensors,
                  std::vector<const TensorView*>* storage, OpSignature* signature) {
  if (op_index < 0 || op_index >= model.num_ops()) return false;
  const fb::Op& op = model.op(op_index);
  const size_t first = storage->size();
  if (!append_tensors(op.inputs(), model.num_tensors(), tensors, storage) ||
      !append_tensors(op.outputs(), model.num_tensors(), tensors, storage))
    return false;
  signature->op = &op;
  signature->num_inputs = static_cast<int>(vector_size(op.inputs()));
  signature->num_outputs = static_cast<int>(vector_size(op.outputs()));
  signature->inputs = storage->data() + first;
  signature->outputs = storage->data() + first + signature->num_inputs;
  return true;
}

}  // namespace sprig
