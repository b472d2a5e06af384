// Pooling, global average pooling, softmax and concat on CNN shapes (ResNet stem max-pool,
// MobileNet heads, SqueezeNet fire concat): our kernels (the variant effective_cpu_features()
// picks; SPRIG_CPU_SCALAR=1 forces the portable one), single-threaded and on a pool of 2 threads.
// Reported as bytes moved per second.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/ops/own_ops.h"
#include "bench/micro/bench_util.h"

namespace {

using namespace sprig;         // NOLINT
using namespace sprig::bench;  // NOLINT
using namespace sprig::cpu;    // NOLINT

TensorView view_of(std::vector<float>& data, std::initializer_list<int64_t> dims) {
  TensorView v;
  v.shape.rank = static_cast<int>(dims.size());
  int d = 0;
  for (int64_t n : dims) v.shape.dims[d++] = n;
  data.resize(static_cast<size_t>(v.shape.numel()));
  v.data = data.data();
  return v;
}

// Creates our op for `op` over `inputs` -> `output` and times it; bytes = inputs + output.
void time_own_op(benchmark::State& state, const flatbuffers::FlatBufferBuilder& fbb,
                 std::vector<const TensorView*> inputs, const TensorView& output) {
  const TensorView* outputs[1] = {&output};
  const OpSignature sig{flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer()), inputs.data(),
                        static_cast<int>(inputs.size()), outputs, 1};
  CpuOpContext context;
  context.features = effective_cpu_features();
  context.num_threads = static_cast<int>(state.range(0));
  auto op = create_own_op(sig, context);
  if (!time_op(state, op, context.num_threads, output.as<float>())) return;
  size_t bytes = output.bytes();
  for (const TensorView* in : inputs) bytes += in->bytes();
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_MaxPool3x3s2_ResNetStem(benchmark::State& state) {
  std::vector<float> x = normal(112 * 112 * 64), y;
  TensorView xv = view_of(x, {1, 112, 112, 64}), yv = view_of(y, {1, 56, 56, 64});
  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreatePool2DOptions(fbb, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1);
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::MaxPool2D, 0, 0, fb::OpOptions::Pool2DOptions,
                          options.Union()));
  time_own_op(state, fbb, {&xv}, yv);
}

void BM_AvgPool3x3s1_Padded(benchmark::State& state) {
  std::vector<float> x = normal(28 * 28 * 192), y;
  TensorView xv = view_of(x, {1, 28, 28, 192}), yv = view_of(y, {1, 28, 28, 192});
  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreatePool2DOptions(fbb, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::AveragePool2D, 0, 0, fb::OpOptions::Pool2DOptions,
                          options.Union()));
  time_own_op(state, fbb, {&xv}, yv);
}

void BM_GlobalAveragePool_7x7x1280(benchmark::State& state) {
  std::vector<float> x = normal(7 * 7 * 1280), y;
  TensorView xv = view_of(x, {1, 7, 7, 1280}), yv = view_of(y, {1, 1, 1, 1280});
  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreateGlobalAveragePoolOptions(fbb);
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::GlobalAveragePool, 0, 0,
                          fb::OpOptions::GlobalAveragePoolOptions, options.Union()));
  time_own_op(state, fbb, {&xv}, yv);
}

void BM_Softmax_1x1000(benchmark::State& state) {
  std::vector<float> x = normal(1000), y;
  TensorView xv = view_of(x, {1, 1000}), yv = view_of(y, {1, 1000});
  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreateSoftmaxOptions(fbb, 1);
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::Softmax, 0, 0, fb::OpOptions::SoftmaxOptions,
                          options.Union()));
  time_own_op(state, fbb, {&xv}, yv);
}

void BM_Concat_SqueezeNetFire(benchmark::State& state) {
  std::vector<float> a = normal(55 * 55 * 64), b = normal(55 * 55 * 64, 2), y;
  TensorView av = view_of(a, {1, 55, 55, 64}), bv = view_of(b, {1, 55, 55, 64});
  TensorView yv = view_of(y, {1, 55, 55, 128});
  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreateConcatOptions(fbb, 3);
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::Concat, 0, 0, fb::OpOptions::ConcatOptions,
                          options.Union()));
  time_own_op(state, fbb, {&av, &bv}, yv);
}

}  // namespace

BENCHMARK(BM_MaxPool3x3s2_ResNetStem)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_AvgPool3x3s1_Padded)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_GlobalAveragePool_7x7x1280)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_Softmax_1x1000)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_Concat_SqueezeNetFire)->Arg(1)->Arg(2)->UseRealTime();
