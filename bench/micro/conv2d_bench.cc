// Conv2D on ResNet-18/50 layer shapes (batch 1, NHWC): our op (Winograd F(4x4,3x3) or F(2x2,3x3)
// for 3x3 stride 1, GEMM straight over the rows for 1x1), each Winograd tile on its own, against
// im2col + the same GEMM, and against
// XNNPACK's convolution when the build has it. GFLOP/s counts the direct convolution's
// 2*OH*OW*O*KH*KW*C flops for every path, so the counters compare time.
//
//   sprig_micro_bench --benchmark_filter=Conv2D
#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <memory>
#include <random>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/conv/im2col.h"
#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"

#if defined(SPRIG_HAVE_XNNPACK)
#include <xnnpack.h>
#endif

namespace sprig::cpu {
namespace {

// args: H (= W), C, O, kernel, stride, threads. Padding (kernel - 1) / 2.
struct Layer {
  int h, c, o, k, stride, threads;
  int pad() const { return (k - 1) / 2; }
  int out() const { return (h + 2 * pad() - k) / stride + 1; }
  double flops() const { return 2.0 * out() * out() * o * k * k * c; }
};

Layer layer_of(const benchmark::State& state) {
  return Layer{static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
               static_cast<int>(state.range(2)), static_cast<int>(state.range(3)),
               static_cast<int>(state.range(4)), static_cast<int>(state.range(5))};
}

struct Data {
  explicit Data(const Layer& l) {
    std::mt19937 rng(7);
    std::normal_distribution<float> dist;
    x.resize(size_t(l.h) * l.h * l.c);
    w.resize(size_t(l.o) * l.k * l.k * l.c);
    bias.resize(size_t(l.o));
    y.resize(size_t(l.out()) * l.out() * l.o);
    for (float& v : x) v = dist(rng);
    for (float& v : w) v = dist(rng) * 0.05f;
    for (float& v : bias) v = dist(rng);
  }
  std::vector<float> x, w, bias, y;
};

Shape shape_of(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.dims[s.rank++] = d;
  return s;
}

void set_counters(benchmark::State& state, const Layer& l) {
  state.counters["GFLOP/s"] = benchmark::Counter(
      l.flops(), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

using ConvFactory = Result<std::unique_ptr<CpuOp>> (*)(const OpSignature&, const OutputClamp&,
                                                       const CpuOpContext&);

// Our op, made by `factory`.
void run_own_op(benchmark::State& state, ConvFactory factory) {
  const Layer l = layer_of(state);
  Data d(l);
  TensorView xv{DType::F32, shape_of({1, l.h, l.h, l.c}), d.x.data(), nullptr};
  TensorView wv{DType::F32, shape_of({l.o, l.k, l.k, l.c}), d.w.data(), nullptr};
  TensorView bv{DType::F32, shape_of({l.o}), d.bias.data(), nullptr};
  TensorView yv{DType::F32, shape_of({1, l.out(), l.out(), l.o}), d.y.data(), nullptr};
  flatbuffers::FlatBufferBuilder fbb;
  const auto options =
      fb::CreateConv2DOptions(fbb, l.stride, l.stride, 1, 1, l.pad(), l.pad(), l.pad(), l.pad(), 1);
  fbb.Finish(
      fb::CreateOp(fbb, fb::OpType::Conv2D, 0, 0, fb::OpOptions::Conv2DOptions, options.Union()));
  const fb::Op* op = flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer());
  const TensorView* inputs[3] = {&xv, &wv, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op, inputs, 3, outputs, 1};
  const CpuOpContext context{cpu_features(), l.threads};
  Result<std::unique_ptr<CpuOp>> created = factory(sig, OutputClamp{0.0f, 1e30f}, context);
  if (!created.ok()) {
    state.SkipWithError(created.status().message());
    return;
  }
  AlignedBuffer scratch;
  if (!scratch.allocate((*created)->scratch_bytes())) {
    state.SkipWithError("out of memory");
    return;
  }
  pthreadpool_t pool = l.threads > 1 ? pthreadpool_create(static_cast<size_t>(l.threads)) : nullptr;
  for (auto _ : state) {
    (*created)->run(scratch.data(), pool);
    benchmark::ClobberMemory();
  }
  if (pool) pthreadpool_destroy(pool);
  state.SetLabel(conv2d_prefers_own(sig, context) ? "prefers own" : "");
  set_counters(state, l);
}

// The path create_conv2d_op picks.
void Conv2D_own(benchmark::State& state) { run_own_op(state, create_conv2d_op); }

// Winograd with each tile, whatever create_conv2d_op would pick.
template <WinogradTile tile>
Result<std::unique_ptr<CpuOp>> create_winograd(const OpSignature& op, const OutputClamp& clamp,
                                               const CpuOpContext& context) {
  return create_winograd_conv2d_op(op, clamp, context, tile);
}
void Conv2D_winograd_f2x2(benchmark::State& state) {
  run_own_op(state, create_winograd<WinogradTile::kF2x2>);
}
void Conv2D_winograd_f4x4(benchmark::State& state) {
  run_own_op(state, create_winograd<WinogradTile::kF4x4>);
}

// im2col + GEMM from the same kernels (the path a 3x3 takes without Winograd), chunked as the op
// chunks it: 2 MiB of im2col rows at a time.
struct Im2colGemm {
  ConvGeometry geometry;
  const float* x;
  float* rows;
  size_t m0, row_stride;
  static void gather(void* context, size_t start, size_t count) {
    auto* self = static_cast<Im2colGemm*>(context);
    f32_im2col_nhwc__scalar(self->geometry, self->x, self->m0 + start, self->m0 + start + count,
                            self->rows + start * self->row_stride, self->row_stride);
  }
};

void Conv2D_im2col(benchmark::State& state) {
  const Layer l = layer_of(state);
  Data d(l);
  const F32GemmKernel kernel = select_f32_gemm_kernel(cpu_features());
  const size_t k = size_t(l.k) * l.k * l.c;
  AlignedBuffer packed, bias, rows;
  const size_t mr = kernel.mr, total = size_t(l.out()) * l.out();
  size_t chunk = (size_t{2} << 20) / (k * sizeof(float)) / mr * mr;
  if (chunk < mr) chunk = mr;
  if (!packed.allocate(f32_gemm_packed_b_size(k, l.o, kernel.nr) * sizeof(float)) ||
      !bias.allocate((size_t(l.o) + 64) * sizeof(float)) ||
      !rows.allocate(chunk * k * sizeof(float))) {
    state.SkipWithError("out of memory");
    return;
  }
  f32_gemm_pack_b_nk(k, l.o, kernel.nr, DType::F32, d.w.data(), k, packed.as<float>());
  for (int j = 0; j < l.o; ++j) bias.as<float>()[j] = d.bias[j];
  Im2colGemm ctx;
  ctx.geometry.in_h = ctx.geometry.in_w = l.h;
  ctx.geometry.in_c = l.c;
  ctx.geometry.out_h = ctx.geometry.out_w = l.out();
  ctx.geometry.out_c = l.o;
  ctx.geometry.kernel_h = ctx.geometry.kernel_w = l.k;
  ctx.geometry.stride_h = ctx.geometry.stride_w = l.stride;
  ctx.geometry.pad_top = ctx.geometry.pad_left = l.pad();
  ctx.x = d.x.data();
  ctx.rows = rows.as<float>();
  ctx.row_stride = k;
  F32GemmBatch g;
  g.kernel = kernel;
  g.m = chunk < total ? chunk : total, g.n = l.o, g.k = k;
  g.a = rows.as<float>(), g.a_stride = k;
  g.packed_b = packed.as<float>();
  g.bias = bias.as<float>();
  g.c_stride = l.o;
  g.min = 0.0f, g.max = 1e30f;
  f32_gemm_plan(&g, l.threads);
  pthreadpool_t pool = l.threads > 1 ? pthreadpool_create(static_cast<size_t>(l.threads)) : nullptr;
  for (auto _ : state) {
    for (size_t m0 = 0; m0 < total; m0 += chunk) {
      const size_t count = total - m0 < chunk ? total - m0 : chunk;
      ctx.m0 = m0;
      pthreadpool_parallelize_1d_tile_1d(pool, Im2colGemm::gather, &ctx, count, 16, 0);
      F32GemmBatch part = g;
      part.m = count;
      part.c = d.y.data() + m0 * l.o;
      f32_gemm_batch_run(part, pool);
    }
    benchmark::ClobberMemory();
  }
  if (pool) pthreadpool_destroy(pool);
  set_counters(state, l);
}

#if defined(SPRIG_HAVE_XNNPACK)
void Conv2D_xnnpack(benchmark::State& state) {
  const Layer l = layer_of(state);
  Data d(l);
  if (xnn_initialize(nullptr) != xnn_status_success) {
    state.SkipWithError("xnn_initialize failed");
    return;
  }
  xnn_operator_t op = nullptr;
  const uint32_t p = static_cast<uint32_t>(l.pad());
  if (xnn_create_convolution2d_nhwc_f32(p, p, p, p, l.k, l.k, l.stride, l.stride, 1, 1, 1, l.c, l.o,
                                        l.c, l.o, d.w.data(), d.bias.data(), 0.0f, 1e30f, 0,
                                        &op) != xnn_status_success) {
    state.SkipWithError("xnn_create_convolution2d_nhwc_f32 failed");
    return;
  }
  pthreadpool_t pool = l.threads > 1 ? pthreadpool_create(static_cast<size_t>(l.threads)) : nullptr;
  if (xnn_setup_convolution2d_nhwc_f32(op, 1, l.h, l.h, d.x.data(), d.y.data(), pool) !=
      xnn_status_success) {
    state.SkipWithError("xnn_setup_convolution2d_nhwc_f32 failed");
  } else {
    for (auto _ : state) {
      xnn_run_operator(op, pool);
      benchmark::ClobberMemory();
    }
  }
  if (pool) pthreadpool_destroy(pool);
  xnn_delete_operator(op);
  set_counters(state, l);
}
#endif

void resnet_3x3(benchmark::internal::Benchmark* b) {
  b->ArgNames({"HW", "C", "O", "K", "S", "threads"});
  for (int threads : {1, 2}) {
    b->Args({56, 64, 64, 3, 1, threads});
    b->Args({28, 128, 128, 3, 1, threads});
    b->Args({14, 256, 256, 3, 1, threads});
    b->Args({7, 512, 512, 3, 1, threads});
    b->Args({56, 16, 16, 3, 1, threads});  // small channel counts: where Winograd stops paying
    b->Args({14, 16, 16, 3, 1, threads});
  }
}

void resnet_other(benchmark::internal::Benchmark* b) {
  b->ArgNames({"HW", "C", "O", "K", "S", "threads"});
  for (int threads : {1, 2}) {
    b->Args({56, 64, 256, 1, 1, threads});
    b->Args({56, 256, 64, 1, 1, threads});
    b->Args({28, 512, 128, 1, 1, threads});
    b->Args({56, 128, 128, 3, 2, threads});  // ResNet-50 stage-2 downsampling 3x3
    b->Args({224, 3, 64, 7, 2, threads});    // stem
  }
}

BENCHMARK(Conv2D_own)
    ->Apply(resnet_3x3)
    ->Apply(resnet_other)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(Conv2D_winograd_f2x2)->Apply(resnet_3x3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(Conv2D_winograd_f4x4)->Apply(resnet_3x3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(Conv2D_im2col)->Apply(resnet_3x3)->UseRealTime()->Unit(benchmark::kMillisecond);
#if defined(SPRIG_HAVE_XNNPACK)
BENCHMARK(Conv2D_xnnpack)
    ->Apply(resnet_3x3)
    ->Apply(resnet_other)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
#endif

}  // namespace
}  // namespace sprig::cpu
