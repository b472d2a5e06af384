// f32 GEMM (packed B panels, K-blocked) on ResNet-sized problems: GFLOP/s per microkernel, on the
// caller's thread and on a 2-thread pthreadpool.
//
//   sprig_micro_bench --benchmark_filter=F32Gemm
#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <random>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/gemm/gemm.h"
#include "runtime/core/aligned_buffer.h"

namespace sprig::cpu {
namespace {

// args: M, N, K, threads.
void run_gemm(benchmark::State& state, const F32GemmKernel& kernel) {
  const size_t m = static_cast<size_t>(state.range(0));
  const size_t n = static_cast<size_t>(state.range(1));
  const size_t k = static_cast<size_t>(state.range(2));
  const int threads = static_cast<int>(state.range(3));
  std::mt19937 rng(1);
  std::normal_distribution<float> dist;
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (float& v : a) v = dist(rng);
  for (float& v : b) v = dist(rng);
  AlignedBuffer packed;
  if (!packed.allocate(f32_gemm_packed_b_size(k, n, kernel.nr) * sizeof(float))) {
    state.SkipWithError("out of memory");
    return;
  }
  f32_gemm_pack_b_kn(k, n, kernel.nr, b.data(), n, packed.as<float>());
  F32GemmBatch g;
  g.kernel = kernel;
  g.m = m, g.n = n, g.k = k;
  g.a = a.data(), g.a_stride = k;
  g.packed_b = packed.as<float>();
  g.c = c.data(), g.c_stride = n;
  g.min = -1e30f, g.max = 1e30f;
  f32_gemm_plan(&g, threads);
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(static_cast<size_t>(threads)) : nullptr;
  for (auto _ : state) {
    f32_gemm_batch_run(g, pool);
    benchmark::ClobberMemory();
  }
  if (pool) pthreadpool_destroy(pool);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(m) * double(n) * double(k),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void F32Gemm_native(benchmark::State& state) {
  run_gemm(state, select_f32_gemm_kernel(cpu_features()));
  state.SetLabel(select_f32_gemm_kernel(cpu_features()).name);
}
void F32Gemm_scalar(benchmark::State& state) {
  run_gemm(state, f32_gemm_scalar_kernel());
  state.SetLabel(f32_gemm_scalar_kernel().name);
}

// ResNet-18/50 layers as GEMMs (M = output pixels, N = output channels, K = taps * channels).
void resnet_shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N", "K", "threads"});
  for (int threads : {1, 2}) {
    b->Args({3136, 256, 64, threads});   // 56x56x64 1x1 -> 256
    b->Args({3136, 64, 256, threads});   // 56x56x256 1x1 -> 64
    b->Args({3136, 64, 576, threads});   // 56x56x64 3x3 -> 64 (im2col)
    b->Args({784, 128, 1152, threads});  // 28x28x128 3x3 (im2col)
    b->Args({784, 512, 128, threads});   // 28x28x128 1x1 -> 512
    b->Args({196, 256, 2304, threads});  // 14x14x256 3x3 (im2col)
    b->Args({196, 1024, 256, threads});  // 14x14x256 1x1 -> 1024
    b->Args({49, 512, 4608, threads});   // 7x7x512 3x3 (im2col)
    b->Args({96, 256, 256, threads});    // Winograd position GEMM (tiles x C x O)
    b->Args({1, 1000, 2048, threads});   // ResNet-50 classifier (GEMV)
  }
}

BENCHMARK(F32Gemm_native)->Apply(resnet_shapes)->UseRealTime();
BENCHMARK(F32Gemm_scalar)
    ->Args({784, 128, 1152, 1})
    ->ArgNames({"M", "N", "K", "threads"})
    ->UseRealTime();

}  // namespace
}  // namespace sprig::cpu
