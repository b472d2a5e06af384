// The f32 GEMM microkernels (every one this machine can run) against a naive product, and the
// FullyConnected op built on them against the reference kernel.
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/fully_connected.h"
#include "runtime/core/aligned_buffer.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<F32GemmKernel> runnable_kernels() {
  std::vector<F32GemmKernel> kernels = {f32_gemm_scalar_kernel()};
  const F32GemmKernel native = select_f32_gemm_kernel(cpu_features());
  if (native.ukernel != kernels[0].ukernel) kernels.push_back(native);
  return kernels;
}

// C = clamp(bias + A * B) naively in double; B given [K, N].
std::vector<float> naive_gemm(size_t m, size_t n, size_t k, const std::vector<float>& a,
                              size_t a_stride, const std::vector<float>& b,
                              const std::vector<float>* bias, float min, float max) {
  std::vector<float> c(m * n);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double acc = bias ? (*bias)[j] : 0.0;
      for (size_t kk = 0; kk < k; ++kk) acc += double(a[i * a_stride + kk]) * b[kk * n + j];
      c[i * n + j] = std::fmin(std::fmax(static_cast<float>(acc), min), max);
    }
  return c;
}

TEST(CpuGemm, MicrokernelEveryTileEdge) {
  for (const F32GemmKernel& kernel : runnable_kernels()) {
    SCOPED_TRACE(kernel.name);
    const size_t mr = kernel.mr, nr = kernel.nr;
    for (size_t kc : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{17}}) {
      for (size_t rows = 1; rows <= mr; ++rows) {
        for (size_t cols = 1; cols <= nr; ++cols) {
          const size_t a_stride = kc + 3;
          const std::vector<float> a = normal(rows * a_stride, 1);
          const std::vector<float> b = normal(kc * cols, 2);
          std::vector<float> bias = normal(cols, 3);
          std::vector<float> packed(f32_gemm_packed_b_size(kc, cols, nr));
          f32_gemm_pack_b_kn(kc, cols, nr, b.data(), cols, packed.data());
          std::vector<float> padded_bias(nr, 0.0f);
          std::copy(bias.begin(), bias.end(), padded_bias.begin());
          // With bias and a clamp; C has a wider stride whose extra columns must stay untouched.
          const size_t c_stride = cols + 2;
          std::vector<float> c(rows * c_stride, 7.0f);
          kernel.ukernel(rows, cols, kc, a.data(), a_stride, packed.data(), padded_bias.data(),
                         c.data(), c_stride, -0.5f, 0.75f);
          const std::vector<float> want =
              naive_gemm(rows, cols, kc, a, a_stride, b, &bias, -0.5f, 0.75f);
          std::vector<float> got(rows * cols);
          for (size_t i = 0; i < rows; ++i) {
            for (size_t j = 0; j < cols; ++j) got[i * cols + j] = c[i * c_stride + j];
            for (size_t j = cols; j < c_stride; ++j) ASSERT_EQ(c[i * c_stride + j], 7.0f);
          }
          expect_close(got, want, "bias+clamp");
          // Continuing from C (bias null): C = C + A*B.
          std::vector<float> c2(rows * c_stride, 0.0f);
          for (size_t i = 0; i < rows; ++i)
            for (size_t j = 0; j < cols; ++j) c2[i * c_stride + j] = bias[j];
          kernel.ukernel(rows, cols, kc, a.data(), a_stride, packed.data(), nullptr, c2.data(),
                         c_stride, -kInf, kInf);
          const std::vector<float> want2 =
              naive_gemm(rows, cols, kc, a, a_stride, b, &bias, -kInf, kInf);
          for (size_t i = 0; i < rows; ++i)
            for (size_t j = 0; j < cols; ++j) got[i * cols + j] = c2[i * c_stride + j];
          expect_close(got, want2, "accumulate");
        }
      }
    }
  }
}

TEST(CpuGemm, BlockedBatchOverThreads) {
  pthreadpool_t pool = pthreadpool_create(2);
  for (const F32GemmKernel& kernel : runnable_kernels()) {
    SCOPED_TRACE(kernel.name);
    // K past two K-blocks, M and N not multiples of the tiles, two batch entries.
    for (auto [m, n, k] :
         {std::array<size_t, 3>{37, 45, 600}, {1, 1, 1}, {5, 1, 300}, {1, 70, 9}, {64, 64, 256}}) {
      F32GemmBatch g;
      g.kernel = kernel;
      g.batch = 2;
      g.m = m, g.n = n, g.k = k;
      const std::vector<float> a = normal(2 * m * k, 4);
      const std::vector<float> b0 = normal(k * n, 5), b1 = normal(k * n, 6);
      const size_t packed_size = f32_gemm_packed_b_size(k, n, kernel.nr);
      std::vector<float> packed(2 * packed_size);
      f32_gemm_pack_b_kn(k, n, kernel.nr, b0.data(), n, packed.data());
      f32_gemm_pack_b_kn(k, n, kernel.nr, b1.data(), n, packed.data() + packed_size);
      std::vector<float> c(2 * m * n, 0.0f);
      g.a = a.data(), g.a_stride = k, g.a_batch_stride = m * k;
      g.packed_b = packed.data(), g.b_batch_stride = packed_size;
      g.c = c.data(), g.c_stride = n, g.c_batch_stride = m * n;
      g.min = -1.0f, g.max = 2.0f;
      for (int threads : {1, 2}) {
        f32_gemm_plan(&g, threads);
        f32_gemm_batch_run(g, threads > 1 ? pool : nullptr);
        const std::vector<float> a1(a.begin() + m * k, a.end());
        std::vector<float> want = naive_gemm(m, n, k, a, k, b0, nullptr, -1.0f, 2.0f);
        const std::vector<float> want1 = naive_gemm(m, n, k, a1, k, b1, nullptr, -1.0f, 2.0f);
        want.insert(want.end(), want1.begin(), want1.end());
        expect_close(c, want, "batch");
      }
    }
  }
  pthreadpool_destroy(pool);
}

// ---- FullyConnected through the op factory --------------------------------------------------

struct FcCase {
  std::vector<int64_t> x_dims;  // [..., K]
  int64_t n;
  DType weight_dtype;
  int bias;  // 0: absent (2 inputs), 1: present, 2: input slot present but null
  float min, max;
};

void check_fc(const FcCase& t, const CpuFeatures& features, pthreadpool_t pool, int threads) {
  const int64_t k = t.x_dims.back();
  const int64_t rows = shape_of(t.x_dims).numel() / k;
  std::vector<float> x = normal(static_cast<size_t>(rows * k), 11);
  // Scaled as the conformance suite's cases are: outputs ~N(0,1).
  std::vector<float> w = normal(static_cast<size_t>(t.n * k), 12, 1.0f / std::sqrt(float(k)));
  std::vector<float> bias = normal(static_cast<size_t>(t.n), 13);
  std::vector<uint16_t> w16 = narrow(t.weight_dtype, &w);
  std::vector<int64_t> y_dims = t.x_dims;
  y_dims.back() = t.n;
  std::vector<float> y(static_cast<size_t>(rows * t.n), 0.0f), want(y.size(), 0.0f);

  TensorView xv{DType::F32, shape_of(t.x_dims), x.data(), nullptr};
  TensorView wv{t.weight_dtype, shape_of({t.n, k}),
                t.weight_dtype == DType::F32 ? static_cast<void*>(w.data()) : w16.data(), nullptr};
  TensorView wf{DType::F32, shape_of({t.n, k}), w.data(), nullptr};
  TensorView bv{DType::F32, shape_of({t.n}), bias.data(), nullptr};
  TensorView yv{DType::F32, shape_of(y_dims), y.data(), nullptr};
  TensorView wantv{DType::F32, shape_of(y_dims), want.data(), nullptr};

  flatbuffers::FlatBufferBuilder fbb;
  const auto options = fb::CreateFullyConnectedOptions(fbb);
  const std::vector<int32_t> in_ids = {0, 1, 2}, out_ids = {3};
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::FullyConnected, fbb.CreateVector(in_ids),
                          fbb.CreateVector(out_ids), fb::OpOptions::FullyConnectedOptions,
                          options.Union()));
  const fb::Op* op = flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer());
  const TensorView* inputs[3] = {&xv, &wv, t.bias == 1 ? &bv : nullptr};
  const TensorView* outputs[1] = {&yv};
  OpSignature sig{op, inputs, t.bias == 0 ? 2 : 3, outputs, 1};

  ASSERT_TRUE(fully_connected_supported(sig));
  CpuOpContext context{features, threads};
  OutputClamp clamp{t.min, t.max};
  Result<std::unique_ptr<CpuOp>> created = create_fully_connected_op(sig, clamp, context);
  ASSERT_TRUE(created.ok()) << created.status().message();
  AlignedBuffer scratch;
  ASSERT_TRUE(scratch.allocate((*created)->scratch_bytes()));
  (*created)->run(scratch.data(), pool);

  const fb::FullyConnectedOptions* ref_options =
      flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer())->options_as_FullyConnectedOptions();
  ASSERT_TRUE(
      reference::f32_fully_connected__ref(xv, wf, t.bias == 1 ? &bv : nullptr, *ref_options, wantv)
          .ok());
  for (float& v : want) v = std::fmin(std::fmax(v, t.min), t.max);
  expect_close(y, want, "fully connected");
}

TEST(CpuGemm, FullyConnectedAgainstReference) {
  const std::vector<FcCase> cases = {
      {{1, 1}, 1, DType::F32, 1, -kInf, kInf},       {{1, 300}, 1, DType::F32, 0, -kInf, kInf},
      {{1, 1}, 37, DType::F32, 1, -kInf, kInf},      {{13, 77}, 45, DType::F32, 1, -kInf, kInf},
      {{2, 7, 600}, 33, DType::F32, 2, -kInf, kInf}, {{3, 512}, 1000, DType::F16, 1, 0.0f, kInf},
      {{9, 64}, 24, DType::BF16, 0, -1.0f, 1.0f},    {{64, 576}, 64, DType::F32, 1, 0.0f, 6.0f},
  };
  pthreadpool_t pool = pthreadpool_create(2);
  CpuFeatures scalar;
  for (const FcCase& t : cases) {
    for (int threads : {1, 2}) {
      SCOPED_TRACE(::testing::Message()
                   << "K=" << t.x_dims.back() << " N=" << t.n << " threads=" << threads);
      pthreadpool_t p = threads > 1 ? pool : nullptr;
      check_fc(t, scalar, p, threads);
      check_fc(t, cpu_features(), p, threads);
    }
  }
  pthreadpool_destroy(pool);
}

}  // namespace
}  // namespace sprig::cpu
