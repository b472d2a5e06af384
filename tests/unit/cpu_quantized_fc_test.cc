// FullyConnected with weight-only quantized weights (I8 per channel, I4 group-wise, symmetric and
// with zero points) on every kernel variant this machine runs, 1 to 9 rows of x, against the
// reference FullyConnected on the dequantized weights (runtime/core/quantization.h): within the
// conformance bound for the f32 kernels, and for the kernels over int8-quantized x within that
// plus the bound of x's rounding, sum_k |w(n, k)| * d(block of k) / 2. The activation quantizer
// and the SIMD dot-product kernels are also checked on their own.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/fully_connected.h"
#include "runtime/core/quantization.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

struct QuantCase {
  int rows, n, k;
  DType dtype;  // I8 or I4
  int group;    // I4
  bool zeros;   // I4 zero points
  bool bias;
  float min, max;
};

void check_case(const QuantCase& t) {
  SCOPED_TRACE(::testing::Message()
               << "rows " << t.rows << " n " << t.n << " k " << t.k << " " << dtype_name(t.dtype)
               << " group " << t.group << (t.zeros ? " zeros" : ""));
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> i8(-127, 127), i4(-8, 7), zero(-8, 7);
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  const size_t n = static_cast<size_t>(t.n), k = static_cast<size_t>(t.k);
  std::vector<uint8_t> q(t.dtype == DType::I8 ? n * k : n * k / 2, 0);
  for (size_t i = 0; i < n * k; ++i) {
    if (t.dtype == DType::I8) {
      q[i] = static_cast<uint8_t>(static_cast<int8_t>(i8(rng)));
    } else {
      const uint8_t nibble = static_cast<uint8_t>(i4(rng) & 0x0F);
      q[i / 2] |= static_cast<uint8_t>(i % 2 == 0 ? nibble : nibble << 4);
    }
  }
  const size_t groups = t.dtype == DType::I4 ? n * k / static_cast<size_t>(t.group) : 0;
  std::vector<float> channel_scales(n);
  for (float& s : channel_scales) s = scale(rng);
  std::vector<uint16_t> group_scales(groups);
  for (uint16_t& s : group_scales) s = f32_to_f16(scale(rng));
  std::vector<int8_t> group_zeros(t.zeros ? groups : 0);
  for (int8_t& z : group_zeros) z = static_cast<int8_t>(zero(rng));

  flatbuffers::FlatBufferBuilder fbb;
  if (t.dtype == DType::I8) {
    fbb.Finish(fb::CreateQuantizationDirect(fbb, &channel_scales, nullptr, 0));
  } else {
    fb::QuantizationBuilder qb(fbb);
    qb.add_group_size(t.group);
    qb.add_scale_tensor(100);  // any index: the views below are linked directly
    if (t.zeros) qb.add_zero_point_tensor(101);
    fbb.Finish(qb.Finish());
  }
  const TensorView scales_view =
      view(DType::F16, {static_cast<int64_t>(groups)}, group_scales.data());
  const TensorView zeros_view = view(DType::I8, {static_cast<int64_t>(groups)}, group_zeros.data());
  TensorView wv = view(t.dtype, {t.n, t.k}, q.data());
  wv.quantization = flatbuffers::GetRoot<fb::Quantization>(fbb.GetBufferPointer());
  if (t.dtype == DType::I4) {
    wv.scales = &scales_view;
    wv.zero_points = t.zeros ? &zeros_view : nullptr;
  }
  std::vector<float> w_f32(n * k);
  ASSERT_TRUE(dequantize_to_f32(wv, w_f32.data()).ok());

  const std::vector<float> x = normal(static_cast<size_t>(t.rows) * k, 12);
  const std::vector<float> bias = normal(n, 13);
  std::vector<float> want(static_cast<size_t>(t.rows) * n), got(want.size());
  const TensorView xv = view(DType::F32, {t.rows, t.k}, x.data());
  const TensorView wf = view(DType::F32, {t.n, t.k}, w_f32.data());
  const TensorView bv = view(DType::F32, {t.n}, bias.data());
  const TensorView yv = view(DType::F32, {t.rows, t.n}, got.data());
  OpBuffer op(fb::OpType::FullyConnected, fb::OpOptions::FullyConnectedOptions,
              [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateFullyConnectedOptions(b); });
  ASSERT_TRUE(reference::f32_fully_connected__ref(xv, wf, t.bias ? &bv : nullptr,
                                                  *op.op->options_as_FullyConnectedOptions(),
                                                  view(DType::F32, {t.rows, t.n}, want.data()))
                  .ok());
  for (float& v : want) v = std::fmin(std::fmax(v, t.min), t.max);
  const TensorView* inputs[3] = {&xv, &wv, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, t.bias ? 3 : 2, outputs, 1};
  ASSERT_TRUE(quantized_fully_connected_supported(sig));
  EXPECT_FALSE(fully_connected_supported(sig));
  ASSERT_TRUE(check_op(sig).ok());

  // The rounding bound of int8 x, per output.
  std::vector<float> rounding(want.size(), 0.0f);
  for (size_t m = 0; m < static_cast<size_t>(t.rows); ++m)
    for (size_t b = 0; b < k / 32; ++b) {
      float amax = 0.0f;
      for (size_t j = b * 32; j < b * 32 + 32; ++j) amax = std::fmax(amax, std::fabs(x[m * k + j]));
      for (size_t o = 0; o < n; ++o) {
        float w_abs = 0.0f;
        for (size_t j = b * 32; j < b * 32 + 32; ++j) w_abs += std::fabs(w_f32[o * k + j]);
        rounding[m * n + o] += w_abs * amax / 127.0f / 2.0f;
      }
    }
  for (const auto& [name, features] : variants()) {
    SCOPED_TRACE(name);
    const QGemvKernels kernels = select_qgemv_kernels(features);
    const bool q8_x = t.dtype == DType::I8 ? kernels.q8c_q8 != nullptr && k % 32 == 0
                                            : kernels.q4g_q8 != nullptr && t.group % 32 == 0;
    CpuOpContext context;
    context.features = features;
    context.num_threads = 4;
    auto created = create_quantized_fully_connected_op(sig, OutputClamp{t.min, t.max}, context);
    ASSERT_TRUE(created.ok()) << created.status().message();
    std::vector<unsigned char> scratch(created.value()->scratch_bytes() + 64);
    for (pthreadpool_t pool : {test_pool(), static_cast<pthreadpool_t>(nullptr)}) {
      std::fill(got.begin(), got.end(), -12345.0f);
      created.value()->run(scratch.data(), pool);
      if (!q8_x) {
        expect_close(got, want);
        continue;
      }
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_LE(std::fabs(got[i] - want[i]), 1e-4f + 2e-4f * std::fabs(want[i]) + rounding[i])
            << "output " << i << ": " << got[i] << " against " << want[i];
    }
  }
}

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(CpuQuantizedFullyConnected, Int8PerChannel) {
  for (int rows : {1, 2, 3, 4, 5, 9})
    check_case({rows, 33, 100, DType::I8, 0, false, true, -kInf, kInf});
  check_case({1, 7, 8, DType::I8, 0, false, false, -kInf, kInf});
  check_case({2, 300, 512, DType::I8, 0, false, true, 0.0f, 6.0f});
  for (int rows : {1, 3, 4, 7})  // K a multiple of 32: the dot-product kernels where there are any
    check_case({rows, 33, 288, DType::I8, 0, false, true, -kInf, kInf});
}

TEST(CpuQuantizedFullyConnected, Int4GroupWise) {
  for (int group : {32, 64, 128})
    for (bool zeros : {false, true})
      for (int rows : {1, 4, 7})
        check_case({rows, 19, 256, DType::I4, group, zeros, true, -kInf, kInf});
  check_case({1, 300, 1024, DType::I4, 32, false, false, -1.0f, 1.0f});
  check_case({3, 5, 48, DType::I4, 16, true, true, -kInf, kInf});  // group not a multiple of 32
}

TEST(CpuQuantizedFullyConnected, Q4OrderIsAPermutation) {
  for (size_t k : {32, 64, 256, 288, 544, 5632}) {
    std::vector<int> seen(k, 0);
    for (size_t e = 0; e < k; ++e) {
      const size_t p = q4_order_position(e, k);
      ASSERT_LT(p, k);
      const bool in_chunk = e / 256 < k / 256;
      ASSERT_EQ(in_chunk ? p / 64 : p / 32, in_chunk ? e / 64 : e / 32)
          << "element " << e << " leaves its pair of blocks";
      ++seen[p];
    }
    for (size_t p = 0; p < k; ++p) ASSERT_EQ(seen[p], 1) << "k " << k << " position " << p;
  }
}

TEST(CpuQuantizedFullyConnected, ActivationQuantizer) {
  const size_t rows = 3, k = 288, stride = 300, blocks = k / 32;
  std::vector<float> x = normal(rows * stride, 5, 3.0f);
  for (size_t j = 32; j < 64; ++j) x[stride + j] = 0.0f;  // a block of zeros
  x[5] = 1e-30f;
  for (bool q4_order : {false, true}) {
    std::vector<int8_t> q(rows * k);
    std::vector<float> scales(rows * k / 32), sums(rows * k / 32);
    quantize_rows_q8(x.data(), stride, rows, k, q4_order, q.data(), scales.data(), sums.data());
    for (size_t m = 0; m < rows; ++m)
      for (size_t b = 0; b < blocks; ++b) {
        const float d = scales[m * blocks + b];
        float amax = 0.0f;
        int sum = 0;
        for (size_t j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(x[m * stride + b * 32 + j]));
        EXPECT_FLOAT_EQ(d, amax / 127.0f);
        for (size_t j = 0; j < 32; ++j) {
          const size_t e = b * 32 + j;
          const int v = q[m * k + (q4_order ? q4_order_position(e, k) : e)];
          sum += v;
          EXPECT_LE(std::abs(v), 127);
          EXPECT_LE(std::fabs(x[m * stride + b * 32 + j] - d * static_cast<float>(v)),
                    d / 2 * (1 + 1e-5f))
              << "row " << m << " element " << b * 32 + j;
        }
        EXPECT_FLOAT_EQ(sums[m * blocks + b], d * static_cast<float>(sum));
      }
  }
}

// The SIMD dot-product kernels against the scalar one on the same quantized x: the same integer
// sums, scaled in another order.
TEST(CpuQuantizedFullyConnected, DotKernelsMatchScalar) {
  for (const auto& [name, features] : variants()) {
    const QGemvKernels kernels = select_qgemv_kernels(features);
    if (kernels.q8c_q8 == nullptr) continue;
    SCOPED_TRACE(name);
    std::mt19937 rng(3);
    for (size_t k : {32, 256, 288, 2048}) {
      for (size_t group : {32, 64, 128}) {
        if (k % group != 0) continue;
        const size_t n = 13, rows = 6, groups = n * k / group;
        std::vector<int8_t> q8(n * k);
        std::vector<uint8_t> q4(n * k / 2);
        std::uniform_int_distribution<int> byte(0, 255);
        for (int8_t& v : q8) v = static_cast<int8_t>(byte(rng) - 128);
        for (uint8_t& v : q4) v = static_cast<uint8_t>(byte(rng));
        std::vector<float> channel_scales(n, 0.01f);
        std::vector<uint16_t> group_scales(groups);
        std::vector<int8_t> zeros(groups);
        for (size_t i = 0; i < groups; ++i) {
          group_scales[i] = f32_to_f16(0.001f * static_cast<float>(1 + i % 7));
          zeros[i] = static_cast<int8_t>(static_cast<int>(i % 5) - 2);
        }
        const std::vector<float> x = normal(rows * k, 9);
        const std::vector<float> bias = normal(n, 10);
        for (bool int4 : {false, true}) {
          for (bool with_zeros : {false, true}) {
            if (!int4 && with_zeros) continue;
            QuantizedMatrix w;
            w.n = n;
            w.k = k;
            w.q8 = q8.data();
            w.channel_scales = channel_scales.data();
            w.q4 = q4.data();
            w.group = group;
            w.group_scales = group_scales.data();
            w.group_zeros = with_zeros ? zeros.data() : nullptr;
            std::vector<int8_t> xq(rows * k);
            std::vector<float> scales(rows * k / 32), sums(rows * k / 32);
            quantize_rows_q8(x.data(), k, rows, k, int4, xq.data(), scales.data(), sums.data());
            QGemvArgs args;
            args.rows = rows;
            args.x_q8 = xq.data();
            args.x_q8_scales = scales.data();
            args.x_q8_sums = sums.data();
            args.bias = bias.data();
            args.y_stride = n;
            args.min = -1e30f;
            args.max = 1e30f;
            std::vector<float> want(rows * n), got(rows * n);
            args.y = want.data();
            (int4 ? q4g_gemv_q8__scalar : q8c_gemv_q8__scalar)(w, args, 0, n);
            args.y = got.data();
            (int4 ? kernels.q4g_q8 : kernels.q8c_q8)(w, args, 0, 5);
            (int4 ? kernels.q4g_q8 : kernels.q8c_q8)(w, args, 5, n);
            SCOPED_TRACE(::testing::Message() << "k " << k << " group " << group
                                              << (int4 ? " q4g" : " q8c")
                                              << (with_zeros ? " zeros" : ""));
            expect_close(got, want);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace sprig::cpu
