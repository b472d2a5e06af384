// Depthwise convolution on MobileNetV2 / EfficientNet layer shapes: our kernels (the variant
// effective_cpu_features() picks; SPRIG_CPU_SCALAR=1 forces the portable one) and, in builds with
// XNNPACK, XNNPACK's convolution with groups == channels. Single-threaded (pool null) and on a
// pool of 2 threads.
#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <memory>
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

struct Layer {
  const char* name;
  int h, w, c, k, stride, pad_begin, pad_end;
};
const Layer kLayers[] = {
    {"mnv2_112x112x32_dw3x3", 112, 112, 32, 3, 1, 1, 1},
    {"mnv2_56x56x144_dw3x3s2", 56, 56, 144, 3, 2, 1, 1},
    {"mnv2_7x7x960_dw3x3", 7, 7, 960, 3, 1, 1, 1},
    {"effnet_14x14x480_dw5x5", 14, 14, 480, 5, 1, 2, 2},
    {"effnet_28x28x240_dw5x5s2", 28, 28, 240, 5, 2, 1, 2},
};

int out_size(const Layer& l, int in) { return (in + l.pad_begin + l.pad_end - l.k) / l.stride + 1; }

void set_counters(benchmark::State& state, const Layer& l) {
  const double outputs = static_cast<double>(out_size(l, l.h)) * out_size(l, l.w) * l.c;
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * outputs * l.k * l.k, benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
  state.SetLabel(l.name);
}

void BM_DwConv_Sprig(benchmark::State& state) {
  const Layer& l = kLayers[state.range(0)];
  const int oh = out_size(l, l.h), ow = out_size(l, l.w);
  std::vector<float> x = normal(static_cast<size_t>(l.h) * l.w * l.c);
  std::vector<float> w = normal(static_cast<size_t>(l.c) * l.k * l.k), b = normal(l.c);
  std::vector<float> y(static_cast<size_t>(oh) * ow * l.c);
  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreateConv2DOptions(fbb, l.stride, l.stride, 1, 1, l.pad_begin,
                                               l.pad_begin, l.pad_end, l.pad_end, l.c);
  fbb.Finish(
      fb::CreateOp(fbb, fb::OpType::Conv2D, 0, 0, fb::OpOptions::Conv2DOptions, options.Union()));
  TensorView xv, wv, bv, yv;
  xv.shape.rank = 4, xv.shape.dims[0] = 1, xv.shape.dims[1] = l.h, xv.shape.dims[2] = l.w,
  xv.shape.dims[3] = l.c, xv.data = x.data();
  wv.shape.rank = 4, wv.shape.dims[0] = l.c, wv.shape.dims[1] = l.k, wv.shape.dims[2] = l.k,
  wv.shape.dims[3] = 1, wv.data = w.data();
  bv.shape.rank = 1, bv.shape.dims[0] = l.c, bv.data = b.data();
  yv.shape.rank = 4, yv.shape.dims[0] = 1, yv.shape.dims[1] = oh, yv.shape.dims[2] = ow,
  yv.shape.dims[3] = l.c, yv.data = y.data();
  const TensorView* inputs[3] = {&xv, &wv, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer()), inputs, 3, outputs,
                        1};
  CpuOpContext context;
  context.features = effective_cpu_features();
  context.num_threads = static_cast<int>(state.range(1));
  auto op = create_depthwise_conv2d_op(sig, OutputClamp(), context);
  if (!time_op(state, op, context.num_threads, y.data())) return;
  set_counters(state, l);
}

#if defined(SPRIG_HAVE_XNNPACK)
void BM_DwConv_Xnnpack(benchmark::State& state) {
  const Layer& l = kLayers[state.range(0)];
  const int oh = out_size(l, l.h), ow = out_size(l, l.w);
  std::vector<float> x = normal(static_cast<size_t>(l.h) * l.w * l.c);
  std::vector<float> w = normal(static_cast<size_t>(l.c) * l.k * l.k), b = normal(l.c);
  std::vector<float> y(static_cast<size_t>(oh) * ow * l.c);
  if (xnn_initialize(nullptr) != xnn_status_success) {
    state.SkipWithError("xnn_initialize failed");
    return;
  }
  xnn_operator_t op = nullptr;
  if (xnn_create_convolution2d_nhwc_f32(
          l.pad_begin, l.pad_end, l.pad_end, l.pad_begin, l.k, l.k, l.stride, l.stride, 1, 1, l.c,
          1, 1, l.c, l.c, w.data(), b.data(), -INFINITY, INFINITY, 0, &op) != xnn_status_success) {
    state.SkipWithError("xnn_create_convolution2d_nhwc_f32 failed");
    return;
  }
  const pthreadpool_t pool = pool_of(static_cast<int>(state.range(1)));
  if (xnn_setup_convolution2d_nhwc_f32(op, 1, l.h, l.w, x.data(), y.data(), pool) !=
      xnn_status_success) {
    state.SkipWithError("xnn_setup_convolution2d_nhwc_f32 failed");
    return;
  }
  for (auto _ : state) {
    xnn_run_operator(op, pool);
    benchmark::DoNotOptimize(y.data());
  }
  xnn_delete_operator(op);
  set_counters(state, l);
}
BENCHMARK(BM_DwConv_Xnnpack)->ArgsProduct({{0, 1, 2, 3, 4}, {1, 2}})->UseRealTime();
#endif

BENCHMARK(BM_DwConv_Sprig)->ArgsProduct({{0, 1, 2, 3, 4}, {1, 2}})->UseRealTime();

}  // namespace
