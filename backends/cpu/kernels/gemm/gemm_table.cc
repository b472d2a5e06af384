// Picks the f32 GEMM microkernel from the CPU's features, and the blocked loop that drives it.
#include <limits>

#include "backends/cpu/kernels/gemm/gemm.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {

F32GemmKernel f32_gemm_scalar_kernel() {
  return F32GemmKernel{f32_gemm_4x8__scalar, 4, 8, "f32_gemm_4x8__scalar"};
}

F32GemmKernel select_f32_gemm_kernel(const CpuFeatures& features) {
#if defined(__x86_64__)
  if (features.avx2_fma)
    return F32GemmKernel{f32_gemm_6x16__avx2_fma, 6, 16, "f32_gemm_6x16__avx2_fma"};
#elif defined(__aarch64__)
  if (features.neon_fma) return F32GemmKernel{f32_gemm_8x8__neon, 8, 8, "f32_gemm_8x8__neon"};
#elif defined(__arm__)
  if (features.neon_fma) return F32GemmKernel{f32_gemm_4x8__neon, 4, 8, "f32_gemm_4x8__neon"};
#endif
  (void)features;
  return f32_gemm_scalar_kernel();
}

size_t f32_gemm_kc(size_t k) {
  const size_t blocks = (k + kF32GemmMaxKc - 1) / kF32GemmMaxKc;
  return blocks <= 1 ? k : (k + blocks - 1) / blocks;
}

void f32_gemm_compute(const F32GemmKernel& kernel, size_t m0, size_t m1, size_t n0, size_t n1,
                      size_t k, size_t kc, const float* a, size_t a_stride, const float* packed_b,
                      const float* bias, float* c, size_t c_stride, float min, float max) {
  static const float kZeros[64] = {};  // the bias of a GEMM without one (nr <= 64)
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const size_t mr = static_cast<size_t>(kernel.mr);
  const size_t nr = static_cast<size_t>(kernel.nr);
  // Panel by panel, and K-blocks in order within a panel: B is read front to back, so the
  // microkernel's prefetch ahead of its reads lands on the block it needs next.
  for (size_t n = n0; n < n1; n += nr) {
    const size_t nc = n1 - n < nr ? n1 - n : nr;
    for (size_t k0 = 0; k0 < k; k0 += kc) {
      const size_t kb = k - k0 < kc ? k - k0 : kc;
      const bool first = k0 == 0;
      const bool last = k0 + kb == k;
      const float* panel = packed_b + (n / nr) * k * nr + k0 * nr;
      const float* init = first ? (bias != nullptr ? bias + n : kZeros) : nullptr;
      for (size_t m = m0; m < m1; m += mr) {
        const size_t rows = m1 - m < mr ? m1 - m : mr;
        kernel.ukernel(rows, nc, kb, a + m * a_stride + k0, a_stride, panel, init,
                       c + m * c_stride + n, c_stride, last ? min : -kInf, last ? max : kInf);
      }
    }
  }
}

namespace {

size_t round_up(size_t x, size_t q) { return (x + q - 1) / q * q; }
size_t divide_up(size_t x, size_t q) { return (x + q - 1) / q; }

void gemm_task(void* context, size_t i, size_t tm, size_t tn) {
  const F32GemmBatch& g = *static_cast<const F32GemmBatch*>(context);
  const size_t m0 = tm * g.tile_m, m1 = m0 + g.tile_m < g.m ? m0 + g.tile_m : g.m;
  const size_t n0 = tn * g.tile_n, n1 = n0 + g.tile_n < g.n ? n0 + g.tile_n : g.n;
  f32_gemm_compute(g.kernel, m0, m1, n0, n1, g.k, g.kc, g.a + i * g.a_batch_stride, g.a_stride,
                   g.packed_b + i * g.b_batch_stride,
                   g.bias ? g.bias + i * g.bias_batch_stride : nullptr, g.c + i * g.c_batch_stride,
                   g.c_stride, g.min, g.max);
}

}  // namespace

void f32_gemm_plan(F32GemmBatch* g, int num_threads) {
  const size_t mr = static_cast<size_t>(g->kernel.mr), nr = static_cast<size_t>(g->kernel.nr);
  g->kc = f32_gemm_kc(g->k);
  size_t tile_m = round_up(g->m < 12 * mr ? g->m : 12 * mr, mr);
  size_t tile_n = round_up(g->n < 16 * nr ? g->n : 16 * nr, nr);
  // Halve the longer side first: a task reads tile_m * K of A and K * tile_n of B for
  // 2 * tile_m * tile_n * K flops, so square-ish tiles read the least per flop.
  const size_t wanted = num_threads > 1 ? 4 * static_cast<size_t>(num_threads) : 1;
  while (g->batch * divide_up(g->m, tile_m) * divide_up(g->n, tile_n) < wanted) {
    if (tile_m >= tile_n && tile_m > mr) {
      tile_m = round_up(tile_m / 2, mr);
    } else if (tile_n > nr) {
      tile_n = round_up(tile_n / 2, nr);
    } else if (tile_m > mr) {
      tile_m = round_up(tile_m / 2, mr);
    } else {
      break;
    }
  }
  g->tile_m = tile_m > 0 ? tile_m : mr;
  g->tile_n = tile_n > 0 ? tile_n : nr;
}

void f32_gemm_batch_run(const F32GemmBatch& g, pthreadpool_t pool) {
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  pthreadpool_parallelize_3d(pool, gemm_task, const_cast<F32GemmBatch*>(&g), g.batch,
                             divide_up(g.m, g.tile_m), divide_up(g.n, g.tile_n), kParallelFlags);
}

}  // namespace sprig::cpu
