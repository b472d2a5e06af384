#include "runtime/core/session.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "runtime/core/file_header.h"
#include "runtime/core/memory_planner.h"
#include "runtime/ops/op_check.h"

namespace sprig {

size_t Session::required_arena_bytes(const Model& model) {
  const size_t planned = static_cast<size_t>(model.arena_size());
  return planned > 0 ? planned + kArenaReadSlack : 0;
}

Result<std::unique_ptr<Session>> Session::create(const Model& model,
                                                 const SessionOptions& options) {
  if (options.backends == nullptr || options.num_backends <= 0)
    return Status(Code::kInvalidArgument, "no backends given to the session");
  std::unique_ptr<Session> session(new (std::nothrow) Session(model));
  if (!session) return Status(Code::kOutOfMemory, "out of memory creating the session");

  const size_t needed = required_arena_bytes(model);
  if (options.arena != nullptr) {
    if (reinterpret_cast<uintptr_t>(options.arena) % kTensorAlignment != 0)
      return Status(Code::kInvalidArgument, "the caller's arena is not 64-byte aligned");
    if (options.arena_bytes < needed)
      return Status::error(Code::kInvalidArgument,
                           "the caller's arena has %zu bytes, the model needs %zu",
                           options.arena_bytes, needed);
    session->arena_ = static_cast<uint8_t*>(options.arena);
    session->arena_bytes_ = options.arena_bytes;
  } else if (needed > 0) {
    session->arena_ = static_cast<uint8_t*>(std::aligned_alloc(
        kTensorAlignment, static_cast<size_t>(align_up(needed, kTensorAlignment))));
    if (session->arena_ == nullptr)
      return Status::error(Code::kOutOfMemory, "cannot allocate a %zu-byte arena", needed);
    session->owns_arena_ = true;
    session->arena_bytes_ = needed;
    std::memset(session->arena_, 0, needed);
  }

  session->tensors_.resize(static_cast<size_t>(model.num_tensors()));
  for (int i = 0; i < model.num_tensors(); ++i) {
    TensorView& view = session->tensors_[static_cast<size_t>(i)];
    view = model.tensor(i);
    if (!model.is_constant(i) && model.arena_offset(i) >= 0)
      view.data = session->arena_ + model.arena_offset(i);
    if (view.dim0_symbol > 0) {
      auto& by_symbol = session->tensors_by_dim0_symbol_;
      if (by_symbol.size() < static_cast<size_t>(view.dim0_symbol))
        by_symbol.resize(static_cast<size_t>(view.dim0_symbol));
      by_symbol[static_cast<size_t>(view.dim0_symbol - 1)].push_back(i);
    }
  }
  session->reset_state();
  SPRIG_RETURN_IF_ERROR(session->partition(options));
  SPRIG_RETURN_IF_ERROR(session->prepare_programs(options));
  return session;
}

void Session::reset_state() {
  for (const TensorView& view : tensors_)
    if (view.is_state && view.data != nullptr) std::memset(view.data, 0, view.bytes());
}

Session::~Session() {
  programs_.clear();
  if (owns_arena_) std::free(arena_);
}

Status Session::partition(const SessionOptions& options) {
  for (int op = 0; op < model_.num_ops(); ++op) {
    Backend* chosen = nullptr;
    for (int b = 0; b < options.num_backends && chosen == nullptr; ++b) {
      Backend* backend = options.backends[b];
      if (backend != nullptr && backend->availability().ok() && backend->supports(model_, op))
        chosen = backend;
    }
    if (chosen == nullptr) {
      const fb::Op& fb_op = model_.op(op);
      return Status::error(Code::kUnsupported, "op %d '%s' (%s): no available backend supports it",
                           op, fb_op.name() ? fb_op.name()->c_str() : "", op_display_name(fb_op));
    }
    if (!partitions_.empty() && partitions_.back().backend == chosen) {
      ++partitions_.back().num_ops;
    } else {
      partitions_.push_back(Partition{chosen, op, 1});
    }
  }
  return Status::ok_status();
}

Status Session::prepare_programs(const SessionOptions& options) {
  PrepareContext context;
  context.model = &model_;
  context.tensors = tensors_.data();
  SPRIG_RETURN_IF_ERROR(thread_pool_.start(options.num_threads));
  context.thread_pool = &thread_pool_;
  std::vector<int> ops;
  for (const Partition& part : partitions_) {
    ops.clear();
    for (int i = 0; i < part.num_ops; ++i) ops.push_back(part.first_op + i);
    SPRIG_ASSIGN_OR_RETURN(std::unique_ptr<BackendProgram> program,
                           part.backend->prepare(context, ops.data(), part.num_ops));
    programs_.push_back(std::move(program));
  }
  return Status::ok_status();
}

Status Session::run_profiled(double* op_ms) {
  struct Timer {
    double* op_ms;
    std::chrono::steady_clock::time_point last;
  } timer{op_ms, std::chrono::steady_clock::now()};
  return run_observed(
      [](void* context, int op) {
        auto* t = static_cast<Timer*>(context);
        const auto now = std::chrono::steady_clock::now();
        t->op_ms[op] += std::chrono::duration<double, std::milli>(now - t->last).count();
        t->last = now;
      },
      &timer);
}

Status Session::run_observed(OpCallback after_op, void* context) {
  thread_pool_.begin_run();
  const auto run_start = std::chrono::steady_clock::now();
  Status status = Status::ok_status();
  for (size_t p = 0; p < programs_.size() && status.ok(); ++p) {
    const Partition& part = partitions_[p];
    for (int i = 0; i < part.num_ops && status.ok(); ++i) {
      status = programs_[p]->execute_op(i);
      if (status.ok()) after_op(context, part.first_op + i);
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - run_start;
  thread_pool_.end_run(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  return status;
}

int Session::find_input(const char* name) const {
  for (int i = 0; i < num_inputs(); ++i)
    if (std::strcmp(model_.tensor_name(model_.input_tensor(i)), name) == 0) return i;
  return -1;
}

int Session::find_output(const char* name) const {
  for (int i = 0; i < num_outputs(); ++i)
    if (std::strcmp(model_.tensor_name(model_.output_tensor(i)), name) == 0) return i;
  return -1;
}

Status Session::set_rows(int i, int64_t rows) {
  if (i < 0 || i >= num_inputs())
    return Status::error(Code::kInvalidArgument, "set_rows: no input %d (the model has %d)", i,
                         num_inputs());
  const int index = model_.input_tensor(i);
  const int symbol = tensors_[static_cast<size_t>(index)].dim0_symbol;
  if (symbol == 0)
    return Status::error(Code::kInvalidArgument,
                         "set_rows: input '%s' has a fixed leading dimension of %lld",
                         model_.tensor_name(index), static_cast<long long>(max_rows(i)));
  if (rows < 1 || rows > max_rows(i))
    return Status::error(Code::kInvalidArgument, "set_rows: %lld rows for input '%s', which takes 1 to %lld",
                         static_cast<long long>(rows), model_.tensor_name(index),
                         static_cast<long long>(max_rows(i)));
  for (int t : tensors_by_dim0_symbol_[static_cast<size_t>(symbol - 1)])
    tensors_[static_cast<size_t>(t)].shape.dims[0] = rows;
  return Status::ok_status();
}

Status Session::run() {
  thread_pool_.begin_run();
  const auto start = std::chrono::steady_clock::now();
  Status status = Status::ok_status();
  for (const std::unique_ptr<BackendProgram>& program : programs_) {
    status = program->execute();
    if (!status.ok()) break;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  thread_pool_.end_run(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count());
  return status;
}

}  // namespace sprig
