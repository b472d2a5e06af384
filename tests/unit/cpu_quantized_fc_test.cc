// FullyConnected with weight-only quantized weights (I8 per channel, I4 group-wise, symmetric and
// with zero points) on every kernel variant this machine runs, 1 to 9 rows of x, against the
// reference FullyConnected on the dequantized weights (runtime/core/quantization.h), within the
// conformance bound.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

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
  run_variants(sig, &got, want, [&](const OpSignature& s, const CpuOpContext& context) {
    return create_quantized_fully_connected_op(s, OutputClamp{t.min, t.max}, context);
  });
}

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(CpuQuantizedFullyConnected, Int8PerChannel) {
  for (int rows : {1, 2, 3, 4, 5, 9})
    check_case({rows, 33, 100, DType::I8, 0, false, true, -kInf, kInf});
  check_case({1, 7, 8, DType::I8, 0, false, false, -kInf, kInf});
  check_case({2, 300, 512, DType::I8, 0, false, true, 0.0f, 6.0f});
}

TEST(CpuQuantizedFullyConnected, Int4GroupWise) {
  for (int group : {32, 64, 128})
    for (bool zeros : {false, true})
      for (int rows : {1, 4, 7})
        check_case({rows, 19, 256, DType::I4, group, zeros, true, -kInf, kInf});
  check_case({1, 300, 1024, DType::I4, 32, false, false, -1.0f, 1.0f});
  check_case({3, 5, 48, DType::I4, 16, true, true, -kInf, kInf});  // group not a multiple of 32
}

}  // namespace
}  // namespace sprig::cpu
