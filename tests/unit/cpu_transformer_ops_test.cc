// The CPU backend's transformer ops beyond what the conformance cases reach: attention over a
// KV cache longer than the kernel's block of keys (the online softmax rescaling), with GQA, against
// the reference kernel, with F32 and F16 caches; Gather from F16 and BF16 tables; and out-of-range indices and positions
// refused before the run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/transformer.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

OpBuffer attention_op(bool causal) {
  return OpBuffer(fb::OpType::Attention, fb::OpOptions::AttentionOptions,
                  [causal](flatbuffers::FlatBufferBuilder& b) {
                    return fb::CreateAttentionOptions(b, causal, 0.0f);
                  });
}

TEST(CpuTransformerOps, AttentionOverALongCacheMatchesReference) {
  const int64_t tokens = 3, heads = 8, kv_heads = 2, d = 64, capacity = 300, start = 250;
  for (bool causal : {true, false}) {
    SCOPED_TRACE(causal ? "causal" : "not causal");
    const std::vector<float> q = normal(tokens * heads * d, 1, 2.0f);
    const std::vector<float> k = normal(tokens * kv_heads * d, 2);
    const std::vector<float> v = normal(tokens * kv_heads * d, 3);
    // Cache rows before `start` as earlier runs left them; keys growing along the cache, so that
    // the running maximum rises from block to block.
    std::vector<float> k_cache = normal(capacity * kv_heads * d, 4);
    for (int64_t s = 0; s < capacity; ++s)
      for (int64_t i = 0; i < kv_heads * d; ++i) k_cache[s * kv_heads * d + i] *= 0.5f + s / 100.0f;
    std::vector<float> v_cache = normal(capacity * kv_heads * d, 5);
    const std::vector<int32_t> positions = {start, start + 1, start + 2};
    std::vector<float> want(q.size()), got(q.size());
    std::vector<float> k_ref = k_cache, v_ref = v_cache;
    const OpBuffer op = attention_op(causal);
    const TensorView qv = view(DType::F32, {tokens, heads, d}, q.data());
    const TensorView kv = view(DType::F32, {tokens, kv_heads, d}, k.data());
    const TensorView vv = view(DType::F32, {tokens, kv_heads, d}, v.data());
    const TensorView pv = view(DType::I32, {tokens}, positions.data());
    const TensorView kc_ref = view(DType::F32, {capacity, kv_heads, d}, k_ref.data());
    const TensorView vc_ref = view(DType::F32, {capacity, kv_heads, d}, v_ref.data());
    ASSERT_TRUE(reference::f32_attention__ref(qv, kv, vv, &kc_ref, &vc_ref, &pv,
                                              *op.op->options_as_AttentionOptions(),
                                              view(DType::F32, {tokens, heads, d}, want.data()))
                    .ok());
    for (const auto& [name, features] : variants()) {
      SCOPED_TRACE(name);
      std::vector<float> kc = k_cache, vc = v_cache;
      const TensorView kcv = view(DType::F32, {capacity, kv_heads, d}, kc.data());
      const TensorView vcv = view(DType::F32, {capacity, kv_heads, d}, vc.data());
      const TensorView yv = view(DType::F32, {tokens, heads, d}, got.data());
      const TensorView* inputs[6] = {&qv, &kv, &vv, &kcv, &vcv, &pv};
      const TensorView* outputs[1] = {&yv};
      const OpSignature sig{op.op, inputs, 6, outputs, 1};
      ASSERT_TRUE(attention_supported(sig));
      CpuOpContext context;
      context.features = features;
      auto created = create_attention_op(sig, context);
      ASSERT_TRUE(created.ok()) << created.status().message();
      ASSERT_TRUE(created.value()->check_inputs().ok());
      created.value()->run(nullptr, test_pool());
      expect_close(got, want);
      expect_close(kc, k_ref, "k cache");
      expect_close(vc, v_ref, "v cache");
    }
  }
}

// An F16 cache: the CPU op against the reference kernel over the same halves (new rows rounded on
// the way in), and both against the F32 cache within what rounding k and v to halves can move.
TEST(CpuTransformerOps, AttentionOverAnF16CacheMatchesReference) {
  const int64_t tokens = 2, heads = 4, kv_heads = 2, d = 36, capacity = 150, start = 140;
  const std::vector<float> q = normal(tokens * heads * d, 11, 2.0f);
  const std::vector<float> k = normal(tokens * kv_heads * d, 12);
  const std::vector<float> v = normal(tokens * kv_heads * d, 13);
  std::vector<float> k_f32 = normal(capacity * kv_heads * d, 14);
  std::vector<float> v_f32 = normal(capacity * kv_heads * d, 15);
  const std::vector<uint16_t> k_half = narrow(DType::F16, &k_f32);
  const std::vector<uint16_t> v_half = narrow(DType::F16, &v_f32);
  const std::vector<int32_t> positions = {start, start + 1};
  const OpBuffer op = attention_op(true);
  const auto& options = *op.op->options_as_AttentionOptions();
  const TensorView qv = view(DType::F32, {tokens, heads, d}, q.data());
  const TensorView kv = view(DType::F32, {tokens, kv_heads, d}, k.data());
  const TensorView vv = view(DType::F32, {tokens, kv_heads, d}, v.data());
  const TensorView pv = view(DType::I32, {tokens}, positions.data());

  std::vector<float> exact(q.size()), want(q.size());
  const TensorView kc32 = view(DType::F32, {capacity, kv_heads, d}, k_f32.data());
  const TensorView vc32 = view(DType::F32, {capacity, kv_heads, d}, v_f32.data());
  ASSERT_TRUE(reference::f32_attention__ref(qv, kv, vv, &kc32, &vc32, &pv, options,
                                            view(DType::F32, {tokens, heads, d}, exact.data()))
                  .ok());
  std::vector<uint16_t> k_ref = k_half, v_ref = v_half;
  const TensorView kc_ref = view(DType::F16, {capacity, kv_heads, d}, k_ref.data());
  const TensorView vc_ref = view(DType::F16, {capacity, kv_heads, d}, v_ref.data());
  ASSERT_TRUE(reference::f32_attention__ref(qv, kv, vv, &kc_ref, &vc_ref, &pv, options,
                                            view(DType::F32, {tokens, heads, d}, want.data()))
                  .ok());
  for (int64_t i = 0; i < tokens * kv_heads * d; ++i) {
    EXPECT_EQ(k_ref[static_cast<size_t>(start * kv_heads * d + i)], f32_to_f16(k[i]));
    EXPECT_EQ(v_ref[static_cast<size_t>(start * kv_heads * d + i)], f32_to_f16(v[i]));
  }
  double max_y = 0, rounding = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_y = std::max(max_y, double(std::fabs(exact[i])));
    rounding = std::max(rounding, double(std::fabs(want[i] - exact[i])));
  }
  EXPECT_GT(rounding, 0.0) << "the halves must differ from the floats somewhere";
  EXPECT_LE(rounding, 4e-3 * max_y);

  for (const auto& [name, features] : variants()) {
    SCOPED_TRACE(name);
    std::vector<uint16_t> kc = k_half, vc = v_half;
    std::vector<float> got(q.size());
    const TensorView kcv = view(DType::F16, {capacity, kv_heads, d}, kc.data());
    const TensorView vcv = view(DType::F16, {capacity, kv_heads, d}, vc.data());
    const TensorView yv = view(DType::F32, {tokens, heads, d}, got.data());
    const TensorView* inputs[6] = {&qv, &kv, &vv, &kcv, &vcv, &pv};
    const TensorView* outputs[1] = {&yv};
    const OpSignature sig{op.op, inputs, 6, outputs, 1};
    ASSERT_TRUE(attention_supported(sig));
    CpuOpContext context;
    context.features = features;
    auto created = create_attention_op(sig, context);
    ASSERT_TRUE(created.ok()) << created.status().message();
    created.value()->run(nullptr, test_pool());
    expect_close(got, want);
    EXPECT_EQ(kc, k_ref);
    EXPECT_EQ(vc, v_ref);
  }
}

TEST(CpuTransformerOps, AttentionRefusesPositionsOutsideTheCache) {
  const int64_t d = 4;
  std::vector<float> q(d), k(d), v(d), y(d), cache(2 * d);
  std::vector<int32_t> position = {2};
  const OpBuffer op = attention_op(true);
  const TensorView qv = view(DType::F32, {1, 1, d}, q.data());
  const TensorView kv = view(DType::F32, {1, 1, d}, k.data());
  const TensorView vv = view(DType::F32, {1, 1, d}, v.data());
  const TensorView cv = view(DType::F32, {2, 1, d}, cache.data());
  const TensorView pv = view(DType::I32, {1}, position.data());
  const TensorView yv = view(DType::F32, {1, 1, d}, y.data());
  const TensorView* inputs[6] = {&qv, &kv, &vv, &cv, &cv, &pv};
  const TensorView* outputs[1] = {&yv};
  auto created = create_attention_op(OpSignature{op.op, inputs, 6, outputs, 1}, CpuOpContext());
  ASSERT_TRUE(created.ok());
  for (int32_t bad : {2, -1}) {
    position[0] = bad;
    const Status status = created.value()->check_inputs();
    EXPECT_EQ(status.code(), Code::kInvalidArgument);
    EXPECT_NE(std::string(status.message()).find("outside the 2-row KV cache"), std::string::npos)
        << status.message();
  }
  position[0] = 1;
  EXPECT_TRUE(created.value()->check_inputs().ok());
}

TEST(CpuTransformerOps, GatherWidensF16AndBf16TablesAndRefusesBadIndices) {
  const int64_t rows = 5, d = 7;
  std::vector<int32_t> indices = {4, 0, 2, 4};
  const OpBuffer op(fb::OpType::Gather, fb::OpOptions::GatherOptions,
                    [](flatbuffers::FlatBufferBuilder& b) { return fb::CreateGatherOptions(b); });
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dtype));
    std::vector<float> table = normal(rows * d, 6);
    const std::vector<uint16_t> narrow_table = narrow(dtype, &table);
    const TensorView tv =
        view(dtype, {rows, d}, dtype == DType::F32 ? static_cast<const void*>(table.data())
                                                   : narrow_table.data());
    const TensorView iv = view(DType::I32, {4}, indices.data());
    std::vector<float> y(4 * d), want(4 * d);
    for (size_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < d; ++j) want[i * d + j] = table[indices[i] * d + j];
    const TensorView yv = view(DType::F32, {4, d}, y.data());
    const TensorView* inputs[2] = {&tv, &iv};
    const TensorView* outputs[1] = {&yv};
    auto created = create_gather_op(OpSignature{op.op, inputs, 2, outputs, 1}, CpuOpContext());
    ASSERT_TRUE(created.ok()) << created.status().message();
    ASSERT_TRUE(created.value()->check_inputs().ok());
    created.value()->run(nullptr, test_pool());
    EXPECT_EQ(y, want);
    indices[1] = 5;
    EXPECT_EQ(created.value()->check_inputs().code(), Code::kInvalidArgument);
    indices[1] = 0;
  }
}

}  // namespace
}  // namespace sprig::cpu
