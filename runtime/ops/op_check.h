// Per-op validation shared by the model loader, the converter and every backend: the number of
// inputs and outputs, the options type, the dtypes each op accepts, and that the stored output
// shapes follow from the input shapes and options.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig {

// The tensors of one op, by their declared dtype and shape (data may be null).
struct OpSignature {
  const fb::Op* op = nullptr;
  const TensorView* const* inputs = nullptr;
  int num_inputs = 0;
  const TensorView* const* outputs = nullptr;
  int num_outputs = 0;
};

const char* op_type_name(fb::OpType type);
// For an Activation op, the activation kind's name ("Relu"); otherwise op_type_name.
const char* op_display_name(const fb::Op& op);

// `status` with the op's name (or type) in front of its message, same code.
Status with_op_name(const fb::Op& op, const Status& status);

// Returns kInvalidModel (or kUnsupported for a valid-but-unknown dtype combination) with a message
// naming the op and the offending tensor when the op is malformed.
Status check_op(const OpSignature& signature);

}  // namespace sprig
