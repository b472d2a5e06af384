// Elementwise ops over 1M floats (4 MB in, 4 MB out): activations and Add through our kernels
// (the variant effective_cpu_features() picks), against memcpy of the same bytes and, in builds
// with XNNPACK, XNNPACK's hardswish and sigmoid. Single-threaded (pool null) and on 2 threads.
#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <cstring>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/ops/op_factories.h"
#include "bench/micro/bench_util.h"

#if defined(SPRIG_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

namespace {

using namespace sprig;         // NOLINT
using namespace sprig::bench;  // NOLINT
using namespace sprig::cpu;    // NOLINT

constexpr size_t kCount = 1 << 20;

void set_bytes(benchmark::State& state, size_t streams) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kCount * sizeof(float) *
                          streams);
}

void BM_Memcpy(benchmark::State& state) {
  std::vector<float> x = normal(kCount, 1), y(kCount);
  for (auto _ : state) {
    std::memcpy(y.data(), x.data(), kCount * sizeof(float));
    benchmark::DoNotOptimize(y.data());
  }
  set_bytes(state, 2);
}
BENCHMARK(BM_Memcpy)->UseRealTime();

void BM_Activation(benchmark::State& state) {
  const auto kind = static_cast<fb::ActivationKind>(state.range(0));
  std::vector<float> x = normal(kCount, 1), y(kCount);
  CpuOpContext context;
  context.features = effective_cpu_features();
  ActivationParams params;
  params.kind = kind;
  params.alpha = 0.2f;
  params.beta = 0.5f;
  auto op = create_activation_op(params, x.data(), y.data(), kCount, context);
  if (!time_op(state, op, static_cast<int>(state.range(1)), y.data())) return;
  set_bytes(state, 2);
  state.SetLabel(fb::EnumNameActivationKind(kind));
}
BENCHMARK(BM_Activation)
    ->ArgsProduct(
        {{static_cast<int>(fb::ActivationKind::Relu),
          static_cast<int>(fb::ActivationKind::HardSwish),
          static_cast<int>(fb::ActivationKind::Silu), static_cast<int>(fb::ActivationKind::Sigmoid),
          static_cast<int>(fb::ActivationKind::Tanh), static_cast<int>(fb::ActivationKind::Gelu)},
         {1, 2}})
    ->UseRealTime();

void BM_Add(benchmark::State& state) {
  std::vector<float> a = normal(kCount, 1), b = normal(kCount, 2), y(kCount);
  // Same shapes ([1M] + [1M]) or a per-channel vector ([4096, 256] + [256]).
  const bool per_channel = state.range(0) != 0;
  TensorView av, bv, yv;
  av.shape.rank = yv.shape.rank = 2;
  av.shape.dims[0] = yv.shape.dims[0] = kCount / 256;
  av.shape.dims[1] = yv.shape.dims[1] = 256;
  bv.shape = per_channel ? Shape() : av.shape;
  if (per_channel) bv.shape.rank = 1, bv.shape.dims[0] = 256;
  av.data = a.data(), bv.data = b.data(), yv.data = y.data();
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::Add, 0, 0, fb::OpOptions::BinaryOptions,
                          fb::CreateBinaryOptions(fbb).Union()));
  const TensorView* inputs[2] = {&av, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer()), inputs, 2, outputs,
                        1};
  CpuOpContext context;
  context.features = effective_cpu_features();
  auto op = create_binary_op(sig, context);
  if (!time_op(state, op, static_cast<int>(state.range(1)), y.data())) return;
  set_bytes(state, per_channel ? 2 : 3);
  state.SetLabel(per_channel ? "per-channel" : "same-shape");
}
BENCHMARK(BM_Add)->ArgsProduct({{0, 1}, {1, 2}})->UseRealTime();

#if defined(SPRIG_HAVE_XNNPACK)
void BM_XnnpackActivation(benchmark::State& state) {
  std::vector<float> x = normal(kCount, 1), y(kCount);
  if (xnn_initialize(nullptr) != xnn_status_success) {
    state.SkipWithError("xnn_initialize failed");
    return;
  }
  const bool hardswish = state.range(0) == 0;
  const pthreadpool_t pool = pool_of(static_cast<int>(state.range(1)));
  xnn_operator_t op = nullptr;
  if (hardswish) {
    xnn_create_hardswish_nc_f32(1, 1, 1, 0, &op);
    xnn_setup_hardswish_nc_f32(op, kCount, x.data(), y.data(), pool);
  } else {
    xnn_create_sigmoid_nc_f32(1, 1, 1, 0, &op);
    xnn_setup_sigmoid_nc_f32(op, kCount, x.data(), y.data(), pool);
  }
  for (auto _ : state) {
    xnn_run_operator(op, pool);
    benchmark::DoNotOptimize(y.data());
  }
  xnn_delete_operator(op);
  set_bytes(state, 2);
  state.SetLabel(hardswish ? "xnnpack HardSwish" : "xnnpack Sigmoid");
}
BENCHMARK(BM_XnnpackActivation)->ArgsProduct({{0, 1}, {1, 2}})->UseRealTime();
#endif

}  // namespace
