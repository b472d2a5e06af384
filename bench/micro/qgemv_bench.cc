// FullyConnected at M = 1 (a decode step's projections) on an N x K layer: f32 weights (our GEMM,
// packed panels) against weight-only int8 per channel and int4 groups of 32 read in place, and f32
// and f16 weights read in place (rows of x a run-time dimension, as in a decoder). The layer is
// memory bound at 4096 x 4096 (64 MiB of f32 weights), so the kernels reading fewer bytes should
// win; GB/s counts the weight bytes each reads per run.
//
//   sprig_micro_bench --benchmark_filter=FullyConnectedM1
#include <flatbuffers/flatbuffers.h>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/ops/op_factories.h"
#include "bench/micro/bench_util.h"
#include "runtime/core/quantization.h"

namespace sprig::cpu {
namespace {

Shape shape_of(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

// 0: f32 packed, 1: int8 per channel, 2: int4 g32, 3: f32 in place, 4: f16 in place.
void FullyConnectedM1(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const int64_t n = state.range(1), k = state.range(2);
  const int threads = static_cast<int>(state.range(3));
  const std::vector<float> x = bench::normal(static_cast<size_t>(k), 1);
  std::vector<float> y(static_cast<size_t>(n));
  std::vector<float> w32;
  std::vector<uint16_t> w16;
  std::vector<int8_t> q8;
  std::vector<uint8_t> q4;
  std::vector<float> channel_scales(static_cast<size_t>(n), 0.01f);
  std::vector<uint16_t> group_scales(static_cast<size_t>(n * k / 32), f32_to_f16(0.01f));
  flatbuffers::FlatBufferBuilder fbb;
  TensorView wv;
  TensorView scales{DType::F16, shape_of({n * k / 32}), group_scales.data(), nullptr};
  size_t weight_bytes = 0;
  if (kind == 0 || kind == 3) {
    w32 = bench::normal(static_cast<size_t>(n * k), 2);
    wv = TensorView{DType::F32, shape_of({n, k}), w32.data(), nullptr};
    weight_bytes = w32.size() * sizeof(float);
  } else if (kind == 4) {
    for (float v : bench::normal(static_cast<size_t>(n * k), 2)) w16.push_back(f32_to_f16(v));
    wv = TensorView{DType::F16, shape_of({n, k}), w16.data(), nullptr};
    weight_bytes = w16.size() * sizeof(uint16_t);
  } else if (kind == 1) {
    q8.resize(static_cast<size_t>(n * k));
    for (size_t i = 0; i < q8.size(); ++i) q8[i] = static_cast<int8_t>(i * 37 % 255 - 127);
    fbb.Finish(fb::CreateQuantizationDirect(fbb, &channel_scales, nullptr, 0));
    wv = TensorView{DType::I8, shape_of({n, k}), q8.data(), nullptr};
    wv.quantization = flatbuffers::GetRoot<fb::Quantization>(fbb.GetBufferPointer());
    weight_bytes = q8.size() + channel_scales.size() * sizeof(float);
  } else {
    q4.resize(static_cast<size_t>(n * k / 2));
    for (size_t i = 0; i < q4.size(); ++i) q4[i] = static_cast<uint8_t>(i * 37 % 256);
    fb::QuantizationBuilder qb(fbb);
    qb.add_group_size(32);
    qb.add_scale_tensor(1);
    fbb.Finish(qb.Finish());
    wv = TensorView{DType::I4, shape_of({n, k}), q4.data(), nullptr};
    wv.quantization = flatbuffers::GetRoot<fb::Quantization>(fbb.GetBufferPointer());
    wv.scales = &scales;
    weight_bytes = q4.size() + group_scales.size() * sizeof(uint16_t);
  }
  TensorView xv{DType::F32, shape_of({1, k}), const_cast<float*>(x.data()), nullptr};
  TensorView yv{DType::F32, shape_of({1, n}), y.data(), nullptr};
  if (kind >= 3) xv.dim0_symbol = yv.dim0_symbol = 1;
  flatbuffers::FlatBufferBuilder op_fbb;
  op_fbb.Finish(fb::CreateOp(op_fbb, fb::OpType::FullyConnected, 0, 0,
                             fb::OpOptions::FullyConnectedOptions,
                             fb::CreateFullyConnectedOptions(op_fbb).Union()));
  const TensorView* inputs[2] = {&xv, &wv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{flatbuffers::GetRoot<fb::Op>(op_fbb.GetBufferPointer()), inputs, 2, outputs,
                        1};
  const CpuOpContext context{cpu_features(), threads};
  Result<std::unique_ptr<CpuOp>> op =
      kind == 1 || kind == 2 ? create_quantized_fully_connected_op(sig, OutputClamp(), context)
                             : create_fully_connected_op(sig, OutputClamp(), context);
  if (!bench::time_op(state, op, threads, y.data())) return;
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(weight_bytes),
                                              benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
  const char* const kLabels[] = {"f32", "int8/channel", "int4/g32", "f32 in place", "f16 in place"};
  state.SetLabel(kLabels[kind]);
}

BENCHMARK(FullyConnectedM1)
    ->ArgNames({"kind", "N", "K", "threads"})
    ->ArgsProduct({{0, 1, 2, 3, 4}, {4096}, {4096}, {1, 2}})
    ->Args({0, 1000, 2048, 1})
    ->Args({2, 1000, 2048, 1})
    ->ArgsProduct({{1, 2}, {32768}, {4096}, {1, 2}})
    ->ArgsProduct({{0, 3, 4}, {768, 2048, 32000}, {768}, {1, 2}})  // the 110M decoder's layers
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sprig::cpu
