// f32 GEMM microkernels and their weight packing: C[M,N] = clamp(bias + A[M,K] * B[K,N]).
//
// Packed B ("panels"): B is split into panels of NR columns (the last one zero-padded); panel p
// holds K rows of NR floats, row k = B[k, p*NR .. p*NR+NR). Panels follow each other, so panel p
// starts at packed + p*K*NR and the rows k0.. of a panel start at panel + k0*NR: K-blocking needs
// no repacking. Bias is packed apart, zero-padded to a multiple of NR.
//
// A is read in place: row i at a + i*a_stride (floats), so NHWC activations feed a 1x1 conv
// without a copy. C row i at c + i*c_stride (floats).
#pragma once

#include <pthreadpool.h>

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {

// One microkernel call computes an mr x nc block (mr <= MR, nc <= NR) over kc values of K:
//   acc = bias ? bias[0..nc) (for every row) : C[0..mr, 0..nc)     (K-block continuation)
//   acc += A[0..mr, 0..kc) * panel[0..kc, 0..nc)
//   C[0..mr, 0..nc) = min(max(acc, min), max)
// `b` points at row 0 of the K-block inside one packed panel (NR floats per row). Only mr rows and
// nc columns of C are read or written. kc >= 1. Thread-safe; no allocation.
using F32GemmUkernel = void (*)(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                                const float* b, const float* bias, float* c, size_t c_stride,
                                float min, float max);

struct F32GemmKernel {
  F32GemmUkernel ukernel = nullptr;
  int mr = 0;  // rows per call
  int nr = 0;  // panel width (columns per call)
  const char* name = "";
};

// The microkernels (each defined only where its ISA is compiled).
void f32_gemm_6x16__avx2_fma(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                             const float* b, const float* bias, float* c, size_t c_stride,
                             float min, float max);
void f32_gemm_8x8__neon(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                        const float* b, const float* bias, float* c, size_t c_stride, float min,
                        float max);  // aarch64
void f32_gemm_4x8__neon(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                        const float* b, const float* bias, float* c, size_t c_stride, float min,
                        float max);  // armv7 (NEON + VFPv4)
void f32_gemm_4x8__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride,
                          const float* b, const float* bias, float* c, size_t c_stride, float min,
                          float max);

// The fastest microkernel for these features (the scalar one when none applies).
F32GemmKernel select_f32_gemm_kernel(const CpuFeatures& features);
// The portable microkernel, whatever the machine.
F32GemmKernel f32_gemm_scalar_kernel();

// Floats of packed B for a K x N matrix and panel width nr.
size_t f32_gemm_packed_b_size(size_t k, size_t n, size_t nr);

// Packs B[k, n] = src[n * src_stride + k] (weights stored [N, K]: FullyConnected, and Conv2D OHWI
// with K = KH*KW*C/groups) into panels of width nr. src_dtype is F32, F16 or BF16 (converted to
// f32); src_stride in elements. `packed` holds f32_gemm_packed_b_size(k, n, nr) floats.
void f32_gemm_pack_b_nk(size_t k, size_t n, size_t nr, DType src_dtype, const void* src,
                        size_t src_stride, float* packed);
// Packs an f32 B stored [K, N]: B[k, n] = src[k * src_stride + n].
void f32_gemm_pack_b_kn(size_t k, size_t n, size_t nr, const float* src, size_t src_stride,
                        float* packed);

// Reads element i of a weight tensor of dtype F32, F16 or BF16 as float.
float f32_weight_at(DType dtype, const void* data, size_t i);

// Computes rows [m0, m1) and columns [n0, n1) of C = clamp(bias + A * B) with the microkernel,
// n0 a multiple of kernel.nr. K is cut into blocks of at most kc (the B block of a panel stays in
// L1 while every MR-row slice of A passes over it). packed_b: panels over all N (see above);
// bias: padded packed bias or null for zero. Thread-safe for disjoint C blocks; no allocation.
void f32_gemm_compute(const F32GemmKernel& kernel, size_t m0, size_t m1, size_t n0, size_t n1,
                      size_t k, size_t kc, const float* a, size_t a_stride, const float* packed_b,
                      const float* bias, float* c, size_t c_stride, float min, float max);

// The K-block size for a GEMM of depth k: at most kF32GemmMaxKc, split evenly.
size_t f32_gemm_kc(size_t k);
constexpr size_t kF32GemmMaxKc = 256;

// `batch` independent GEMMs of the same shape (groups of a grouped conv, the 36 positions of a
// Winograd tile), each C_i = clamp(bias_i + A_i * B_i) with A_i = a + i * a_batch_stride, B_i =
// packed_b + i * b_batch_stride (packed panels), bias_i = bias + i * bias_batch_stride (padded;
// bias null for none), C_i = c + i * c_batch_stride. All strides in floats.
struct F32GemmBatch {
  F32GemmKernel kernel;
  size_t batch = 1, m = 0, n = 0, k = 0, kc = 0;
  const float* a = nullptr;
  size_t a_stride = 0, a_batch_stride = 0;
  const float* packed_b = nullptr;
  size_t b_batch_stride = 0;
  const float* bias = nullptr;
  size_t bias_batch_stride = 0;
  float* c = nullptr;
  size_t c_stride = 0, c_batch_stride = 0;
  float min = 0.0f, max = 0.0f;
  size_t tile_m = 0, tile_n = 0;  // rows / columns per parallel task (multiples of mr / nr)
};

// Sets kc and the task tiles of `gemm` (whose kernel, batch, m, n, k are set) for num_threads:
// tiles of up to 12*MR rows and 16*NR columns, the longer side halved until there are four tasks
// per thread, so that pthreadpool's work stealing balances threads slowed by other processes.
void f32_gemm_plan(F32GemmBatch* gemm, int num_threads);

// Runs the batch over pool (null: on the caller's thread), one task per batch x row tile x
// column tile. No allocation.
void f32_gemm_batch_run(const F32GemmBatch& gemm, pthreadpool_t pool);

}  // namespace sprig::cpu
