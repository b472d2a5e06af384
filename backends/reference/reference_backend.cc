#include "backends/reference/reference_backend.h"

#include <memory>
#include <new>
#include <vector>

#include "backends/reference/kernels/fully_connected.h"
#include "backends/reference/kernels/op_kernels.h"
#include "runtime/core/model.h"
#include "runtime/core/quantization.h"
#include "runtime/ops/int8_op_check.h"
#include "runtime/ops/op_check.h"
#include "runtime/ops/op_signature.h"

namespace sprig {
namespace {

using reference::OpKernel;

// An F32 copy of a weight stored as F16 or BF16, or quantized.
struct ConvertedWeight {
  TensorView source;
  TensorView view;  // F32, the source's shape, data = buffer
  std::unique_ptr<float[]> buffer;
};

void convert_to_f32(const TensorView& source, float* destination) {
  if (is_quantized_dtype(source.dtype)) {
    (void)dequantize_to_f32(source, destination);  // op_check made sure it is quantized
    return;
  }
  const uint16_t* bits = source.as<const uint16_t>();
  const int64_t n = source.shape.numel();
  if (source.dtype == DType::F16) {
    for (int64_t i = 0; i < n; ++i) destination[i] = f16_to_f32(bits[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) destination[i] = bf16_to_f32(bits[i]);
  }
}

struct PreparedOp {
  OpKernel kernel = nullptr;
  OpSignature tensors;  // points into ReferenceProgram::tensor_refs_
  const LoraBranch* lora = nullptr;  // the session's, while bound
  int lora_count = 0;
};

Status run_lora_fully_connected(const PreparedOp& op) {
  const OpSignature& s = op.tensors;
  return reference::f32_fully_connected__ref(*s.inputs[0], *s.inputs[1],
                                             s.num_inputs > 2 ? s.inputs[2] : nullptr,
                                             *s.op->options_as_FullyConnectedOptions(),
                                             *s.outputs[0], op.lora, op.lora_count);
}

class ReferenceProgram final : public BackendProgram {
 public:
  Status build(const PrepareContext& context, const int* op_indices, int count);

  Status execute() override {
    for (size_t i = 0; i < ops_.size(); ++i) SPRIG_RETURN_IF_ERROR(execute_op(static_cast<int>(i)));
    return Status::ok_status();
  }

  Status set_lora(int index, const LoraBranch* branches, int count) override {
    if (index < 0 || static_cast<size_t>(index) >= ops_.size())
      return Status::error(Code::kInvalidArgument, "reference: op %d is not in this program", index);
    PreparedOp& op = ops_[static_cast<size_t>(index)];
    if (count > 0 && (op.tensors.op->type() != fb::OpType::FullyConnected || is_int8_op(op.tensors)))
      return Status(Code::kUnsupported, "reference: LoRA branches go on float FullyConnected ops");
    op.lora = branches;
    op.lora_count = count;
    return Status::ok_status();
  }

  Status execute_op(int index) override {
    if (index == 0)
      for (const ConvertedWeight* weight : per_run_weights_)
        convert_to_f32(weight->source, weight->buffer.get());
    const PreparedOp& op = ops_[static_cast<size_t>(index)];
    Status status = op.lora_count > 0 ? run_lora_fully_connected(op) : op.kernel(op.tensors);
    return status.ok() ? status : with_op_name(*op.tensors.op, status);
  }

 private:
  // The F32 view of F16/BF16/quantized tensor `tensor_index`, converted once per program;
  // `by_tensor` remembers conversions already made during build.
  Result<const TensorView*> converted(const PrepareContext& context, int tensor_index,
                                      std::vector<ConvertedWeight*>* by_tensor);

  std::vector<PreparedOp> ops_;
  std::vector<const TensorView*> tensor_refs_;  // reserved once, never grows after build
  std::vector<std::unique_ptr<ConvertedWeight>> weights_;
  std::vector<const ConvertedWeight*> per_run_weights_;
};

Status ReferenceProgram::build(const PrepareContext& context, const int* op_indices, int count) {
  if (!context.model || !context.tensors || count < 0 || (count > 0 && !op_indices))
    return Status(Code::kInvalidArgument, "reference: prepare needs a model, its tensors and ops");
  const Model& model = *context.model;
  size_t total_refs = 0;
  for (int i = 0; i < count; ++i) {
    if (op_indices[i] < 0 || op_indices[i] >= model.num_ops())
      return Status::error(Code::kInvalidArgument, "reference: op index %d is out of range",
                           op_indices[i]);
    total_refs += op_tensor_count(model, op_indices[i]);
  }
  tensor_refs_.reserve(total_refs);
  ops_.reserve(static_cast<size_t>(count));
  std::vector<ConvertedWeight*> weight_by_tensor(static_cast<size_t>(model.num_tensors()), nullptr);

  for (int i = 0; i < count; ++i) {
    const fb::Op& op = model.op(op_indices[i]);
    const size_t first = tensor_refs_.size();
    PreparedOp prepared;
    if (!op_signature(model, op_indices[i], context.tensors, &tensor_refs_, &prepared.tensors))
      return with_op_name(op, Status(Code::kInvalidModel, "tensor index out of range"));
    const int num_inputs = prepared.tensors.num_inputs;
    SPRIG_RETURN_IF_ERROR(check_op(prepared.tensors));
    prepared.kernel = reference::reference_kernel_for(prepared.tensors);
    if (!prepared.kernel)
      return with_op_name(op, Status(Code::kUnsupported, "no reference kernel"));
    for (int j = 0; j < num_inputs && !is_int8_op(prepared.tensors); ++j) {
      const TensorView* view = tensor_refs_[first + static_cast<size_t>(j)];
      if (!view || view->is_state ||
          !(view->dtype == DType::F16 || view->dtype == DType::BF16 ||
            is_quantized_dtype(view->dtype)))
        continue;  // state tensors (F16 KV caches) are read and written in place by their kernel
      SPRIG_ASSIGN_OR_RETURN(
          const TensorView* f32_view,
          converted(context, op.inputs()->Get(static_cast<uint32_t>(j)), &weight_by_tensor));
      tensor_refs_[first + static_cast<size_t>(j)] = f32_view;
    }
    ops_.push_back(prepared);
  }
  return Status::ok_status();
}

Result<const TensorView*> ReferenceProgram::converted(const PrepareContext& context,
                                                      int tensor_index,
                                                      std::vector<ConvertedWeight*>* by_tensor) {
  ConvertedWeight*& slot = (*by_tensor)[static_cast<size_t>(tensor_index)];
  if (slot) return static_cast<const TensorView*>(&slot->view);
  const TensorView& source = context.tensors[tensor_index];
  const int64_t n = source.shape.numel();
  auto weight = std::make_unique<ConvertedWeight>();
  weight->buffer.reset(new (std::nothrow) float[static_cast<size_t>(n > 0 ? n : 1)]);
  if (!weight->buffer)
    return Status::error(Code::kOutOfMemory, "reference: no memory to convert tensor %d to F32",
                         tensor_index);
  weight->source = source;
  weight->view.dtype = DType::F32;
  weight->view.shape = source.shape;
  weight->view.data = weight->buffer.get();
  if (context.model->is_constant(tensor_index)) {
    if (!source.data && n > 0)
      return Status::error(Code::kInvalidArgument, "reference: constant tensor %d has no data",
                           tensor_index);
    convert_to_f32(source, weight->buffer.get());
  } else {
    per_run_weights_.push_back(weight.get());
  }
  slot = weight.get();
  weights_.push_back(std::move(weight));
  return static_cast<const TensorView*>(&slot->view);
}

class ReferenceBackend final : public Backend {
 public:
  const char* name() const override { return "reference"; }
  Status availability() const override { return Status::ok_status(); }

  bool supports(const Model& model, int op_index) const override {
    if (model.num_tensors() == 0) return false;
    std::vector<const TensorView*> storage;
    OpSignature signature;
    if (!op_signature(model, op_index, &model.tensor(0), &storage, &signature)) return false;
    return check_op(signature).ok() && reference::reference_kernel_for(signature) != nullptr;
  }

  Result<std::unique_ptr<BackendProgram>> prepare(const PrepareContext& context, const int* ops,
                                                  int count) override {
    auto program = std::make_unique<ReferenceProgram>();
    SPRIG_RETURN_IF_ERROR(program->build(context, ops, count));
    return std::unique_ptr<BackendProgram>(std::move(program));
  }
};

}  // namespace

Backend* reference_backend() {
  static ReferenceBackend backend;
  return &backend;
}

}  // namespace sprig
