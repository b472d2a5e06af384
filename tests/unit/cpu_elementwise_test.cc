// The CPU backend's own elementwise ops against the reference kernels for every kernel variant
// this machine can run: every activation kind (in place too), Add/Sub/Mul/Div with every form of
// broadcast in both operand orders and fused activations, Softmax along each axis, Reshape,
// Concat and Transpose.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/activation.h"
#include "backends/reference/kernels/binary.h"
#include "backends/reference/kernels/concat.h"
#include "backends/reference/kernels/softmax.h"
#include "backends/reference/kernels/transpose.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

// ---- activations ----------------------------------------------------------------------------

struct Kind {
  fb::ActivationKind kind;
  float alpha, beta;
};
const Kind kKinds[] = {
    {fb::ActivationKind::None, 0, 0},
    {fb::ActivationKind::Relu, 0, 0},
    {fb::ActivationKind::Clip, -0.5f, 1.5f},
    {fb::ActivationKind::LeakyRelu, 0.1f, 0},
    {fb::ActivationKind::Sigmoid, 0, 0},
    {fb::ActivationKind::Tanh, 0, 0},
    {fb::ActivationKind::HardSigmoid, 0.2f, 0.5f},
    {fb::ActivationKind::HardSwish, 0, 0},
    {fb::ActivationKind::Gelu, 0, 0},
    {fb::ActivationKind::GeluTanh, 0, 0},
    {fb::ActivationKind::Silu, 0, 0},
};

// N(0,1) values, then a sweep over [-30, 30] and a few special values.
std::vector<float> activation_inputs(size_t n) {
  std::vector<float> x = normal(n, 11);
  for (size_t i = 0; i < 2048 && i < n; ++i)
    x[i] = -30.0f + 60.0f * static_cast<float>(i) / 2047.0f;
  if (n > 2060) {
    const float special[] = {0.0f,   -0.0f,   1e-7f, -1e-7f, 88.0f, -88.0f,
                             100.0f, -100.0f, 1e-3f, -1e-3f, 5.0f,  -5.0f};
    for (size_t i = 0; i < 12; ++i) x[2048 + i] = special[i];
  }
  return x;
}

TEST(CpuElementwise, Activations) {
  for (size_t n : {size_t{1}, size_t{7}, size_t{13}, size_t{4099}, size_t{100003}}) {
    const std::vector<float> x = activation_inputs(n);
    for (const Kind& k : kKinds) {
      SCOPED_TRACE(std::string(fb::EnumNameActivationKind(k.kind)) + " n=" + std::to_string(n));
      flatbuffers::FlatBufferBuilder fbb;
      fbb.Finish(fb::CreateActivation(fbb, k.kind, k.alpha, k.beta));
      const auto* act = flatbuffers::GetRoot<fb::Activation>(fbb.GetBufferPointer());
      std::vector<float> want(n);
      for (size_t i = 0; i < n; ++i) want[i] = reference::apply_activation(act, x[i]);
      for (const auto& [name, features] : variants()) {
        SCOPED_TRACE(name);
        CpuOpContext context;
        context.features = features;
        for (bool in_place : {false, true}) {
          std::vector<float> y(n, -12345.0f), buffer = x;
          auto created =
              create_activation_op(activation_params(act), in_place ? buffer.data() : x.data(),
                                   in_place ? buffer.data() : y.data(), n, context);
          ASSERT_TRUE(created.ok()) << created.status().message();
          created.value()->run(nullptr, test_pool());
          expect_close(in_place ? buffer : y, want);
        }
      }
    }
  }
}

// ---- binary ops -------------------------------------------------------------------------------

Shape broadcast(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  Shape s;
  s.rank = static_cast<int>(std::max(a.size(), b.size()));
  for (int i = 0; i < s.rank; ++i) {
    const int ia = i - (s.rank - static_cast<int>(a.size())),
              ib = i - (s.rank - static_cast<int>(b.size()));
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    s.dims[i] = da == 1 ? db : da;
  }
  return s;
}

void check_binary(fb::OpType type, const std::vector<int64_t>& as, const std::vector<int64_t>& bs,
                  fb::ActivationKind fused = fb::ActivationKind::None, float alpha = 0,
                  float beta = 0, int in_place = -1) {
  std::string trace = std::string(fb::EnumNameOpType(type)) + " [";
  for (int64_t d : as) trace += std::to_string(d) + ",";
  trace += "] [";
  for (int64_t d : bs) trace += std::to_string(d) + ",";
  trace += std::string("] ") + fb::EnumNameActivationKind(fused) + " in_place " +
           std::to_string(in_place);
  SCOPED_TRACE(trace);
  const Shape ys = broadcast(as, bs);
  TensorView av = view(DType::F32, as, nullptr), bv = view(DType::F32, bs, nullptr);
  std::vector<float> a = normal(static_cast<size_t>(av.shape.numel()), 21);
  std::vector<float> b = normal(static_cast<size_t>(bv.shape.numel()), 22);
  if (type == fb::OpType::Div)
    for (float& v : b) v = v < 0 ? v - 0.5f : v + 0.5f;  // keep quotients finite
  av.data = a.data();
  bv.data = b.data();
  std::vector<int64_t> ydims(ys.dims, ys.dims + ys.rank);
  std::vector<float> want(static_cast<size_t>(ys.numel())), got(want.size());
  OpBuffer op(type, fb::OpOptions::BinaryOptions, [&](flatbuffers::FlatBufferBuilder& fbb) {
    return fb::CreateBinaryOptions(fbb, fb::CreateActivation(fbb, fused, alpha, beta));
  });
  const fb::Activation* act = op.op->options_as_BinaryOptions()->fused();
  const TensorView wantv = view(DType::F32, ydims, want.data());
  switch (type) {
    case fb::OpType::Add:
      ASSERT_TRUE(reference::f32_add__ref(av, bv, act, wantv).ok());
      break;
    case fb::OpType::Sub:
      ASSERT_TRUE(reference::f32_sub__ref(av, bv, act, wantv).ok());
      break;
    case fb::OpType::Mul:
      ASSERT_TRUE(reference::f32_mul__ref(av, bv, act, wantv).ok());
      break;
    default:
      ASSERT_TRUE(reference::f32_div__ref(av, bv, act, wantv).ok());
      break;
  }
  // In place: the output is operand `in_place` itself (which then must have the output's shape).
  std::vector<float>& out = in_place == 0 ? a : (in_place == 1 ? b : got);
  const std::vector<float> initial = out;
  const TensorView yv = view(DType::F32, ydims, out.data());
  const TensorView* inputs[2] = {&av, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 2, outputs, 1};
  ASSERT_TRUE(binary_supported(sig));
  run_variants(sig, &out, want, create_binary_op, in_place >= 0 ? &initial : nullptr);
}

const fb::OpType kBinaryTypes[] = {fb::OpType::Add, fb::OpType::Sub, fb::OpType::Mul,
                                   fb::OpType::Div};

TEST(CpuElementwise, BinarySameShape) {
  for (fb::OpType t : kBinaryTypes) {
    check_binary(t, {2, 3, 5, 7}, {2, 3, 5, 7});
    check_binary(t, {13}, {13});
    check_binary(t, {}, {});
    check_binary(t, {1, 64, 64, 33}, {1, 64, 64, 33});  // parallel
    check_binary(t, {3, 11}, {3, 11}, fb::ActivationKind::None, 0, 0, 0);
    check_binary(t, {3, 11}, {3, 11}, fb::ActivationKind::None, 0, 0, 1);
  }
}

TEST(CpuElementwise, BinaryScalar) {
  for (fb::OpType t : kBinaryTypes) {
    check_binary(t, {4, 33}, {});
    check_binary(t, {}, {4, 33});
    check_binary(t, {4, 33}, {1});
    check_binary(t, {1, 1}, {5, 9});
    check_binary(t, {300001}, {1});
    check_binary(t, {1}, {300001});
  }
}

TEST(CpuElementwise, BinaryPerChannel) {
  for (fb::OpType t : kBinaryTypes) {
    check_binary(t, {2, 5, 5, 19}, {19});
    check_binary(t, {19}, {2, 5, 5, 19});
    check_binary(t, {1, 56, 56, 24}, {1, 1, 1, 24});  // parallel rows
    check_binary(t, {2, 7, 7, 24}, {2, 1, 1, 24});    // SE scale
    check_binary(t, {2, 1, 1, 24}, {2, 7, 7, 24});
    check_binary(t, {1, 112, 112, 32}, {1, 1, 1, 32});
    check_binary(t, {2, 4, 4, 8}, {2, 4, 4, 1});  // one value per pixel
    check_binary(t, {2, 4, 4, 1}, {2, 4, 4, 8});
  }
}

TEST(CpuElementwise, BinaryGeneralBroadcast) {
  for (fb::OpType t : kBinaryTypes) {
    check_binary(t, {3, 1, 5}, {1, 4, 1});
    check_binary(t, {5, 1}, {1, 6});
    check_binary(t, {2, 1, 3, 1, 4}, {5, 1, 1, 4});
    check_binary(t, {2, 3, 1, 2, 1, 3, 1, 2}, {3, 2, 2, 1, 3, 2, 1});  // rank 8
    check_binary(t, {1, 9000}, {3, 1});                                // long rows
  }
}

TEST(CpuElementwise, BinaryFused) {
  check_binary(fb::OpType::Add, {2, 5, 5, 19}, {2, 5, 5, 19}, fb::ActivationKind::Relu);
  check_binary(fb::OpType::Add, {2, 5, 5, 19}, {19}, fb::ActivationKind::Clip, 0.0f, 6.0f);
  check_binary(fb::OpType::Mul, {2, 5, 5, 19}, {2, 1, 1, 19}, fb::ActivationKind::Sigmoid);
  check_binary(fb::OpType::Sub, {}, {40000}, fb::ActivationKind::HardSwish);
  check_binary(fb::OpType::Div, {3, 1, 5}, {1, 4, 1}, fb::ActivationKind::LeakyRelu, 0.2f);
  check_binary(fb::OpType::Add, {64, 1000}, {64, 1000}, fb::ActivationKind::Gelu, 0, 0, 0);
}

// ---- softmax, reshape, concat -------------------------------------------------------------------

void check_softmax(const std::vector<int64_t>& dims, int axis, bool in_place = false) {
  SCOPED_TRACE("axis " + std::to_string(axis) + " rank " + std::to_string(dims.size()));
  TensorView xv = view(DType::F32, dims, nullptr);
  std::vector<float> x = normal(static_cast<size_t>(xv.shape.numel()), 31);
  for (size_t i = 0; i < x.size(); i += 5) x[i] *= 8.0f;
  xv.data = x.data();
  std::vector<float> want(x.size()), got(x.size());
  OpBuffer op(
      fb::OpType::Softmax, fb::OpOptions::SoftmaxOptions,
      [&](flatbuffers::FlatBufferBuilder& fbb) { return fb::CreateSoftmaxOptions(fbb, axis); });
  ASSERT_TRUE(reference::f32_softmax__ref(xv, *op.op->options_as_SoftmaxOptions(),
                                          view(DType::F32, dims, want.data()))
                  .ok());
  std::vector<float> initial = x;
  std::vector<float>& out = in_place ? x : got;
  const TensorView yv = view(DType::F32, dims, out.data());
  const TensorView* inputs[1] = {&xv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 1, outputs, 1};
  ASSERT_TRUE(softmax_supported(sig));
  run_variants(sig, &out, want, create_softmax_op, in_place ? &initial : nullptr);
}

TEST(CpuElementwise, Softmax) {
  check_softmax({4, 37}, 1);
  check_softmax({1, 1}, 1);
  check_softmax({64, 1000}, 1);
  check_softmax({3, 1003}, 1, true);
  check_softmax({2, 5, 9}, 1);
  check_softmax({7, 3}, 0);
  check_softmax({6, 50, 300}, 1);
  check_softmax({2, 3, 4, 5}, 2);
}

TEST(CpuElementwise, Reshape) {
  std::vector<float> x = normal(50000, 41), y(50000, 0.0f);
  OpBuffer op(fb::OpType::Reshape, fb::OpOptions::ReshapeOptions,
              [](flatbuffers::FlatBufferBuilder& fbb) { return fb::CreateReshapeOptions(fbb); });
  const TensorView xv = view(DType::F32, {100, 500}, x.data());
  const TensorView yv = view(DType::F32, {500, 100}, y.data());
  const TensorView* inputs[1] = {&xv};
  const TensorView* outputs[1] = {&yv};
  run_variants(OpSignature{op.op, inputs, 1, outputs, 1}, &y, x, create_reshape_op);
  // Shared memory: nothing to do, nothing changes.
  const TensorView same = view(DType::F32, {500, 100}, x.data());
  const TensorView* same_outputs[1] = {&same};
  auto created = create_reshape_op(OpSignature{op.op, inputs, 1, same_outputs, 1}, CpuOpContext());
  ASSERT_TRUE(created.ok());
  const std::vector<float> before = x;
  created.value()->run(nullptr, test_pool());
  EXPECT_EQ(x, before);
}

void check_concat(const std::vector<std::vector<int64_t>>& shapes, int axis) {
  SCOPED_TRACE("axis " + std::to_string(axis));
  std::vector<std::vector<float>> data;
  std::vector<TensorView> views;
  views.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i) {
    TensorView v = view(DType::F32, shapes[i], nullptr);
    data.push_back(normal(static_cast<size_t>(v.shape.numel()), 50 + static_cast<uint32_t>(i)));
    v.data = data.back().data();
    views.push_back(v);
  }
  for (size_t i = 0; i < shapes.size(); ++i) views[i].data = data[i].data();
  std::vector<int64_t> ydims = shapes[0];
  const int a = axis < 0 ? axis + static_cast<int>(ydims.size()) : axis;
  ydims[a] = 0;
  for (const auto& s : shapes) ydims[a] += s[a];
  std::vector<const TensorView*> inputs;
  for (const TensorView& v : views) inputs.push_back(&v);
  TensorView probe = view(DType::F32, ydims, nullptr);
  std::vector<float> want(static_cast<size_t>(probe.shape.numel())), got(want.size());
  OpBuffer op(
      fb::OpType::Concat, fb::OpOptions::ConcatOptions,
      [&](flatbuffers::FlatBufferBuilder& fbb) { return fb::CreateConcatOptions(fbb, axis); });
  ASSERT_TRUE(reference::f32_concat__ref(inputs.data(), static_cast<int>(inputs.size()),
                                         *op.op->options_as_ConcatOptions(),
                                         view(DType::F32, ydims, want.data()))
                  .ok());
  const TensorView yv = view(DType::F32, ydims, got.data());
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs.data(), static_cast<int>(inputs.size()), outputs, 1};
  ASSERT_TRUE(concat_supported(sig));
  run_variants(sig, &got, want, create_concat_op);
}

TEST(CpuElementwise, Concat) {
  check_concat({{2, 3, 4}, {2, 5, 4}}, 1);
  check_concat({{2, 3, 4}, {2, 3, 1}, {2, 3, 0}, {2, 3, 7}}, 2);
  check_concat({{3, 4}, {1, 4}}, 0);
  check_concat({{1, 56, 56, 24}, {1, 56, 56, 40}}, -1);  // many rows
  check_concat({{1, 200000}, {1, 100001}}, 1);           // few, long blocks
  check_concat({{5}}, 0);
}

// ---- transpose -------------------------------------------------------------------------------

void check_transpose(const std::vector<int64_t>& dims, const std::vector<int32_t>& perm) {
  SCOPED_TRACE(::testing::Message() << "rank " << dims.size() << " perm[0] " << perm[0]);
  std::vector<int64_t> ydims;
  for (int32_t p : perm) ydims.push_back(dims[static_cast<size_t>(p)]);
  const TensorView probe = view(DType::F32, dims, nullptr);
  const std::vector<float> x = normal(static_cast<size_t>(probe.shape.numel()), 60);
  std::vector<float> want(x.size()), got(x.size());
  OpBuffer op(fb::OpType::Transpose, fb::OpOptions::TransposeOptions,
              [&](flatbuffers::FlatBufferBuilder& fbb) {
                return fb::CreateTransposeOptions(fbb, fbb.CreateVector(perm));
              });
  const TensorView xv = view(DType::F32, dims, x.data());
  ASSERT_TRUE(reference::f32_transpose__ref(xv, *op.op->options_as_TransposeOptions(),
                                            view(DType::F32, ydims, want.data()))
                  .ok());
  const TensorView yv = view(DType::F32, ydims, got.data());
  const TensorView* inputs[1] = {&xv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 1, outputs, 1};
  ASSERT_TRUE(transpose_supported(sig));
  run_variants(sig, &got, want, create_transpose_op);
}

TEST(CpuElementwise, Transpose) {
  check_transpose({1, 3, 224, 224}, {0, 2, 3, 1});  // NCHW -> NHWC, a model's input
  check_transpose({2, 7, 9, 40}, {0, 3, 1, 2});     // NHWC -> NCHW
  check_transpose({33, 65}, {1, 0});                // partial tiles both ways
  check_transpose({2, 3, 4, 5}, {2, 3, 0, 1});      // axes that merge: a 2-D transpose
  check_transpose({2, 3, 4, 5, 6}, {4, 1, 3, 0, 2});
  check_transpose({4, 1, 6, 1}, {3, 2, 1, 0});  // size-1 axes
  check_transpose({3, 5, 7}, {0, 1, 2});        // identity: one copy
  check_transpose({3, 5, 7}, {1, 0, 2});        // rows move, runs stay contiguous
  check_transpose({1, 1}, {1, 0});              // one element
  check_transpose({6}, {0});
  check_transpose({4, 0, 3}, {2, 0, 1});  // empty
}

TEST(CpuElementwise, TransposeRejectsBadPerm) {
  std::vector<float> x(6), y(6);
  OpBuffer op(
      fb::OpType::Transpose, fb::OpOptions::TransposeOptions,
      [&](flatbuffers::FlatBufferBuilder& fbb) {
        return fb::CreateTransposeOptions(fbb, fbb.CreateVector(std::vector<int32_t>{0, 0}));
      });
  const TensorView xv = view(DType::F32, {2, 3}, x.data());
  const TensorView yv = view(DType::F32, {3, 2}, y.data());
  const TensorView* inputs[1] = {&xv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 1, outputs, 1};
  EXPECT_FALSE(transpose_supported(sig));
  EXPECT_EQ(create_transpose_op(sig, CpuOpContext()).status().code(), Code::kUnsupported);
}

}  // namespace
}  // namespace sprig::cpu
