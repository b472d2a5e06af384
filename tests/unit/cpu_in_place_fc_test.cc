// FullyConnected over F32 and F16 weights read in place (rows of x a run-time leading dimension, as
// in transformer layers) on every kernel variant this machine runs, against the reference
// FullyConnected on the same weights widened to f32: 1 to 9 rows of x (the blocks of four and the
// one-to-three-row tails), K with and without a SIMD tail, weight rows past a cache block, bias,
// clamping, and rows shortened at run time.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/fully_connected.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

constexpr float kInf = std::numeric_limits<float>::infinity();

struct InPlaceCase {
  int rows, n, k;
  DType dtype;  // F32 or F16
  bool bias;
  float min, max;
};

void check_case(const InPlaceCase& t) {
  SCOPED_TRACE(::testing::Message() << "rows " << t.rows << " n " << t.n << " k " << t.k << " "
                                    << dtype_name(t.dtype) << (t.bias ? " bias" : ""));
  const size_t n = static_cast<size_t>(t.n), k = static_cast<size_t>(t.k);
  std::vector<float> w = normal(n * k, 21, 0.1f);
  const std::vector<uint16_t> halves = narrow(t.dtype, &w);  // w now holds what is stored
  const std::vector<float> x = normal(static_cast<size_t>(t.rows) * k, 22);
  const std::vector<float> bias = normal(n, 23);
  OpBuffer op(fb::OpType::FullyConnected, fb::OpOptions::FullyConnectedOptions,
              [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateFullyConnectedOptions(b); });
  const TensorView wv = view(t.dtype, {t.n, t.k}, t.dtype == DType::F16 ? static_cast<const void*>(halves.data()) : w.data());
  const TensorView bv = view(DType::F32, {t.n}, bias.data());
  // x and y hold up to t.rows rows (dimension symbol 1); each run below uses `rows` of them.
  TensorView xv = view(DType::F32, {t.rows, t.k}, x.data());
  std::vector<float> got(static_cast<size_t>(t.rows) * n);
  TensorView yv = view(DType::F32, {t.rows, t.n}, got.data());
  xv.dim0_symbol = yv.dim0_symbol = 1;
  const TensorView* inputs[3] = {&xv, &wv, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, t.bias ? 3 : 2, outputs, 1};
  ASSERT_TRUE(reads_weights_in_place(sig));
  for (const auto& [name, features] : variants()) {
    SCOPED_TRACE(name);
    CpuOpContext context;
    context.features = features;
    context.num_threads = 4;
    auto created = create_fully_connected_op(sig, OutputClamp{t.min, t.max}, context);
    ASSERT_TRUE(created.ok()) << created.status().message();
    EXPECT_EQ(created.value()->scratch_bytes(), 0u);
    for (int rows : {t.rows, (t.rows + 1) / 2}) {
      xv.shape[0] = yv.shape[0] = rows;
      std::vector<float> want(static_cast<size_t>(rows) * n);
      ASSERT_TRUE(reference::f32_fully_connected__ref(
                      xv, view(DType::F32, {t.n, t.k}, w.data()), t.bias ? &bv : nullptr,
                      *op.op->options_as_FullyConnectedOptions(),
                      view(DType::F32, {rows, t.n}, want.data()))
                      .ok());
      for (float& v : want) v = std::fmin(std::fmax(v, t.min), t.max);
      for (pthreadpool_t pool : {test_pool(), static_cast<pthreadpool_t>(nullptr)}) {
        std::fill(got.begin(), got.end(), -12345.0f);
        created.value()->run(nullptr, pool);
        expect_close(std::vector<float>(got.begin(), got.begin() + static_cast<long>(want.size())), want);
        for (size_t i = want.size(); i < got.size(); ++i)
          ASSERT_EQ(got[i], -12345.0f) << "row past the run's rows written";
      }
    }
  }
}

TEST(CpuInPlaceFullyConnected, F32AndF16Weights) {
  for (DType dtype : {DType::F32, DType::F16})
    for (const InPlaceCase& t : {InPlaceCase{1, 37, 64, dtype, true, -kInf, kInf},
                                 InPlaceCase{2, 5, 13, dtype, false, -kInf, kInf},
                                 InPlaceCase{3, 70, 35, dtype, true, 0.0f, kInf},
                                 InPlaceCase{4, 9, 96, dtype, true, -1.0f, 1.0f},
                                 InPlaceCase{9, 300, 1000, dtype, true, -kInf, kInf},
                                 InPlaceCase{7, 3, 8, dtype, false, -kInf, kInf},
                                 InPlaceCase{5, 600, 2048, dtype, true, -kInf, kInf}})
      check_case(t);
}

TEST(CpuInPlaceFullyConnected, FixedRowsAndBf16WeightsArePacked) {
  std::vector<float> x(8), w(8), y(4);
  OpBuffer op(fb::OpType::FullyConnected, fb::OpOptions::FullyConnectedOptions,
              [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateFullyConnectedOptions(b); });
  TensorView xv = view(DType::F32, {2, 4}, x.data());
  TensorView wv = view(DType::F32, {2, 4}, w.data());
  TensorView yv = view(DType::F32, {2, 2}, y.data());
  const TensorView* inputs[2] = {&xv, &wv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 2, outputs, 1};
  EXPECT_FALSE(reads_weights_in_place(sig)) << "fixed rows: the packed GEMM";
  xv.dim0_symbol = yv.dim0_symbol = 1;
  EXPECT_TRUE(reads_weights_in_place(sig));
  wv.dtype = DType::BF16;
  EXPECT_FALSE(reads_weights_in_place(sig)) << "BF16 weights are widened into GEMM panels";
}

}  // namespace
}  // namespace sprig::cpu
