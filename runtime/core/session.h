// Session: everything needed to run one Model on one thread at a time.
//
// create() is the only place that allocates: it sizes and allocates the arena (or adopts the
// caller's), assigns every activation its planned place, partitions the ops across the preferred
// backends and lets each backend prepare its part. run() then executes the prepared programs and
// never touches the heap. The Model must outlive the Session; several Sessions may share one Model
// concurrently. A Session itself is not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/core/adapter.h"
#include "runtime/core/backend.h"
#include "runtime/core/model.h"

namespace sprig {

struct SessionOptions {
  // Backends in order of preference; each op runs on the first one that supports it.
  Backend* const* backends = nullptr;
  int num_backends = 0;
  // Optional caller-owned arena (64-byte aligned, at least Session::required_arena_bytes()); the
  // session allocates its own when null.
  void* arena = nullptr;
  size_t arena_bytes = 0;
  // Worker threads in all, the calling thread included; 0 means default_thread_count().
  int num_threads = 1;
};

// One maximal run of consecutive ops assigned to one backend.
struct Partition {
  Backend* backend = nullptr;
  int first_op = 0;
  int num_ops = 0;
};

class Session {
 public:
  // Errors: kInvalidArgument (no backends, arena too small or misaligned), kUnsupported (an op no
  // listed backend supports, named), kOutOfMemory, and whatever a backend's prepare reports.
  static Result<std::unique_ptr<Session>> create(const Model& model, const SessionOptions& options);
  // Arena bytes a caller-provided arena needs for this model: the planned arena plus
  // kArenaReadSlack.
  static size_t required_arena_bytes(const Model& model);
  // Bytes after the last tensor that optimized kernels may read but never use (XNNPACK reads up
  // to 16 bytes past its inputs).
  static constexpr size_t kArenaReadSlack = 64;

  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Model& model() const { return model_; }
  int num_inputs() const { return model_.num_inputs(); }
  int num_outputs() const { return model_.num_outputs(); }
  // Views into the arena: write inputs before run(), read outputs after it. Inputs keep their
  // values across runs; outputs are valid until the next run().
  const TensorView& input(int i) const { return tensors_[model_.input_tensor(i)]; }
  const TensorView& output(int i) const { return tensors_[model_.output_tensor(i)]; }
  // Index of the input or output named `name`, or -1.
  int find_input(const char* name) const;
  int find_output(const char* name) const;

  // Sets the leading dimension of input `i` for the runs that follow, and with it that of every
  // tensor sharing its run-time dimension (Tensor.dim0_symbol): 1 <= rows <= the planned
  // shape[0]. The views of those inputs and outputs then show the new shape, and the ops do the
  // work of `rows` rows. kInvalidArgument when the input's leading dimension is fixed or `rows`
  // is out of range. Allocation-free.
  Status set_rows(int i, int64_t rows);
  // The upper bound of input `i`'s leading dimension (its shape[0] in the model).
  int64_t max_rows(int i) const { return model_.tensor(model_.input_tensor(i)).shape[0]; }

  // Runs the whole graph. Allocation-free.
  Status run();
  // Zeroes every state tensor (Tensor.is_state: KV caches), as create() does: the next run starts
  // a new sequence. Allocation-free.
  void reset_state();
  // Runs the whole graph one op at a time, adding each op's wall time in milliseconds to
  // op_ms[op index] (the model's op order; op_ms holds model().num_ops() entries). Allocation-free;
  // slower than run() by the timing calls only.
  Status run_profiled(double* op_ms);
  // Runs the whole graph one op at a time and calls after_op(context, op index) after each op,
  // when its outputs can be read through tensor() (until a later op reuses their memory). For
  // tools that look inside a run: calibration, per-layer error reports.
  using OpCallback = void (*)(void* context, int op_index);
  Status run_observed(OpCallback after_op, void* context);
  // Binds a LoRA adapter: every FullyConnected op whose weight it targets adds
  // scale * scaling * B (A x) before its activation, on whichever backend runs it, from the next
  // run on, alongside the adapters bound before (binding one again changes its scale). The base
  // stays as it is (mmapped, quantized, shared with other sessions); the adapter must outlive the
  // binding. May allocate; run() stays allocation-free. Errors, with nothing changed:
  // kInvalidArgument for an adapter trained against another base (both content hashes named) or a
  // target that is not a FullyConnected weight of this model of its shape; kUnsupported when the
  // backend running a target op takes no LoRA branches; kOutOfMemory.
  Status bind_adapter(const Adapter& adapter, float scale = 1.0f);
  // Unbinds one adapter (kInvalidArgument when it is not bound), or all of them.
  Status unbind_adapter(const Adapter& adapter);
  void unbind_adapters();
  int num_bound_adapters() const { return static_cast<int>(adapters_.size()); }

  // Any tensor of the model by index: constants, or views into the arena for activations.
  const TensorView& tensor(int index) const { return tensors_[index]; }

  size_t arena_bytes() const { return arena_bytes_; }
  int num_threads() const { return thread_pool_.num_threads(); }
  // Runs made on the calling thread alone because the workers were slower (see ThreadPool).
  int64_t serial_runs() const { return thread_pool_.serial_runs(); }
  const std::vector<Partition>& partitions() const { return partitions_; }

 private:
  explicit Session(const Model& model) : model_(model) {}
  Status partition(const SessionOptions& options);
  Status prepare_programs(const SessionOptions& options);
  struct BoundAdapter {
    const Adapter* adapter;
    float scale;
  };
  // Hands the branches of `adapters` to the programs (session_lora.cc); on failure the branches
  // bound before are restored.
  Status apply_adapters(std::vector<BoundAdapter> adapters);

  const Model& model_;
  uint8_t* arena_ = nullptr;
  size_t arena_bytes_ = 0;
  bool owns_arena_ = false;
  std::vector<TensorView> tensors_;
  // For each run-time leading dimension k > 0 (index k - 1), the tensors that have it.
  std::vector<std::vector<int>> tensors_by_dim0_symbol_;
  std::vector<Partition> partitions_;
  ThreadPool thread_pool_;
  std::vector<std::unique_ptr<BackendProgram>> programs_;
  std::vector<BoundAdapter> adapters_;
  std::vector<std::vector<LoraBranch>> lora_by_op_;  // per model op, pointed to by the programs
};

}  // namespace sprig
