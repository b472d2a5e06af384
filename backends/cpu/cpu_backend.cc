#include "backends/cpu/cpu_backend.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "backends/cpu/cpu_op.h"
#include "backends/cpu/ops/own_ops.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/model.h"
#include "runtime/core/quantization.h"
#include "runtime/ops/dynamic_rows.h"
#include "runtime/ops/op_signature.h"
#ifdef SPRIG_HAVE_XNNPACK
#include "backends/cpu/xnnpack/xnn_ops.h"
#endif

namespace sprig {
namespace {

using cpu::CpuOp;
using cpu::CpuOpContext;

// Conv2D weights stored weight-only quantized (I8 per channel, I4 group-wise) run as float
// weights: dequantized at prepare into an f32 copy the program keeps, which the convolution then
// packs like any float weight. The file stays small; the memory at run time is the float model's.
// (FullyConnected keeps its quantized weights: ops/quantized_fully_connected.cc.)
bool has_quantized_conv_weights(const OpSignature& op) {
  return op.op->type() == fb::OpType::Conv2D && op.num_inputs >= 2 && op.inputs[1] != nullptr &&
         is_quantized_dtype(op.inputs[1]->dtype) && op.inputs[1]->quantization != nullptr &&
         op.inputs[0]->dtype == DType::F32;
}

// `op` with its weights replaced by `weights` (same shape, F32).
struct WithFloatWeights {
  WithFloatWeights(const OpSignature& op, const TensorView& float_weights)
      : weights(float_weights) {
    for (int i = 0; i < op.num_inputs && i < 3; ++i) inputs[i] = op.inputs[i];
    inputs[1] = &weights;
    sig = op;
    sig.inputs = inputs;
  }
  TensorView weights;
  const TensorView* inputs[3] = {};
  OpSignature sig;
};

TensorView float_view_of(const TensorView& quantized, void* data) {
  TensorView view;
  view.dtype = DType::F32;
  view.shape = quantized.shape;
  view.data = data;
  return view;
}

class CpuProgram final : public BackendProgram {
 public:
  explicit CpuProgram(const ThreadPool* threads) : threads_(threads) {}

  // Keeps `buffer` (dequantized weights an op may read) for the program's lifetime.
  void keep(AlignedBuffer buffer) { kept_.push_back(std::move(buffer)); }

  void add(std::unique_ptr<CpuOp> op) {
    scratch_bytes_ = std::max(scratch_bytes_, op->scratch_bytes());
    ops_.push_back(std::move(op));
  }

  Status finish() {
    if (!scratch_.allocate(scratch_bytes_))
      return Status::error(Code::kOutOfMemory, "cpu: no memory for %zu bytes of scratch",
                           scratch_bytes_);
    return Status::ok_status();
  }

  Status execute() override {
    pthreadpool_t pool = threads_->handle();
    for (const std::unique_ptr<CpuOp>& op : ops_) {
      SPRIG_RETURN_IF_ERROR(op->check_inputs());
      op->run(scratch_.data(), pool);
    }
    return Status::ok_status();
  }

  Status set_lora(int index, const LoraBranch* branches, int count) override {
    if (index < 0 || static_cast<size_t>(index) >= ops_.size())
      return Status::error(Code::kInvalidArgument, "cpu: op %d is not in this program", index);
    return ops_[static_cast<size_t>(index)]->set_lora(branches, count);
  }

  Status execute_op(int index) override {
    CpuOp& op = *ops_[static_cast<size_t>(index)];
    SPRIG_RETURN_IF_ERROR(op.check_inputs());
    op.run(scratch_.data(), threads_->handle());
    return Status::ok_status();
  }

 private:
  const ThreadPool* threads_;
  std::vector<std::unique_ptr<CpuOp>> ops_;
  size_t scratch_bytes_ = 0;
  AlignedBuffer scratch_;
  std::vector<AlignedBuffer> kept_;
};

class CpuBackend final : public Backend {
 public:
  // `use_xnnpack`: XNNPACK runs what it can (where built); `prefer_own`: except the ops where our
  // kernels are faster.
  CpuBackend(const char* name, bool use_xnnpack, bool prefer_own)
      : name_(name), use_xnnpack_(use_xnnpack), prefer_own_(prefer_own) {}

  const char* name() const override { return name_; }
  Status availability() const override { return Status::ok_status(); }

  bool supports(const Model& model, int op_index) const override {
    if (op_index < 0 || op_index >= model.num_ops() || model.num_tensors() == 0) return false;
    std::vector<const TensorView*> storage;
    OpSignature op;
    if (!op_signature(model, op_index, &model.tensor(0), &storage, &op) || !check_op(op).ok())
      return false;
    if (has_quantized_conv_weights(op)) {
      const WithFloatWeights f(op, float_view_of(*op.inputs[1], op.inputs[1]->data));
      return xnnpack_runs(f.sig) || cpu::own_op_supported(f.sig);
    }
    return xnnpack_runs(op) || cpu::own_op_supported(op);
  }

  Result<std::unique_ptr<BackendProgram>> prepare(const PrepareContext& context, const int* ops,
                                                  int count) override {
    if (!context.model || !context.tensors || !context.thread_pool || count < 0 ||
        (count > 0 && !ops))
      return Status(Code::kInvalidArgument, "cpu: prepare needs a model, its tensors and ops");
    const Model& model = *context.model;
    CpuOpContext op_context;
    op_context.features = cpu::effective_cpu_features();
    op_context.num_threads = context.thread_pool->num_threads();
    op_context.pool = context.thread_pool->pool();
    auto program = std::make_unique<CpuProgram>(context.thread_pool);
    std::vector<const TensorView*> storage;
    for (int i = 0; i < count; ++i) {
      storage.clear();
      OpSignature op;
      if (!op_signature(model, ops[i], context.tensors, &storage, &op))
        return Status::error(Code::kInvalidArgument, "cpu: op index %d is out of range", ops[i]);
      SPRIG_RETURN_IF_ERROR(check_op(op));
      Result<std::unique_ptr<CpuOp>> created =
          has_quantized_conv_weights(op) ? create_dequantized(op, op_context, program.get())
                                         : create(op, op_context);
      if (!created.ok()) return with_op_name(*op.op, created.status());
      program->add(std::move(created.value()));
    }
    SPRIG_RETURN_IF_ERROR(program->finish());
    return std::unique_ptr<BackendProgram>(std::move(program));
  }

 private:
  // XNNPACK's operators are set up for fixed shapes, so ops with a run-time leading dimension run
  // on our kernels, which read it at each run.
  bool xnnpack_runs(const OpSignature& op) const {
#ifdef SPRIG_HAVE_XNNPACK
    return use_xnnpack_ && !has_dynamic_rows(op) && cpu::xnn_op_supported(op);
#else
    (void)op;
    return false;
#endif
  }

  // create() on `op` with its quantized weights dequantized into a buffer `program` keeps.
  Result<std::unique_ptr<CpuOp>> create_dequantized(const OpSignature& op,
                                                    const CpuOpContext& context,
                                                    CpuProgram* program) const {
    const TensorView& q = *op.inputs[1];
    AlignedBuffer buffer;
    if (!buffer.allocate(static_cast<size_t>(q.shape.numel()) * sizeof(float)))
      return Status(Code::kOutOfMemory, "cpu: no memory to dequantize the weights");
    SPRIG_RETURN_IF_ERROR(dequantize_to_f32(q, buffer.as<float>()));
    const WithFloatWeights f(op, float_view_of(q, buffer.data()));
    Result<std::unique_ptr<CpuOp>> created = create(f.sig, context);
    program->keep(std::move(buffer));
    return created;
  }

  Result<std::unique_ptr<CpuOp>> create(const OpSignature& op, const CpuOpContext& context) const {
#ifdef SPRIG_HAVE_XNNPACK
    if (xnnpack_runs(op) && !(prefer_own_ && cpu::own_op_preferred(op, context))) {
      Result<std::unique_ptr<CpuOp>> created = cpu::create_xnn_op(op, context);
      if (created.ok() || created.status().code() != Code::kUnsupported ||
          !cpu::own_op_supported(op))
        return created;
    }
#endif
    return cpu::create_own_op(op, context);
  }

  const char* name_;
  [[maybe_unused]] bool use_xnnpack_;  // read only where XNNPACK is built in
  [[maybe_unused]] bool prefer_own_;
};

}  // namespace

Backend* cpu_backend() {
  static CpuBackend backend("cpu", true, true);
  return &backend;
}

Backend* cpu_xnnpack_backend() {
#ifdef SPRIG_HAVE_XNNPACK
  static CpuBackend backend("cpu-xnnpack", true, false);
  return &backend;
#else
  return nullptr;
#endif
}

Backend* cpu_own_backend() {
  static CpuBackend backend("cpu-own", false, false);
  return &backend;
}

}  // namespace sprig
