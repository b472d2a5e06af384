// Reference kernels on small cases whose expected values come from independent arithmetic in the
// test (naive NCHW loops, hand-computed tables, closed-form formulas), check_op's rejections, and
// the reference backend's basic contract.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "backends/reference/kernels/activation.h"
#include "backends/reference/kernels/batch_norm.h"
#include "backends/reference/kernels/binary.h"
#include "backends/reference/kernels/concat.h"
#include "backends/reference/kernels/conv2d.h"
#include "backends/reference/kernels/fully_connected.h"
#include "backends/reference/kernels/global_average_pool.h"
#include "backends/reference/kernels/matmul.h"
#include "backends/reference/kernels/pad.h"
#include "backends/reference/kernels/pool2d.h"
#include "backends/reference/kernels/reduce_mean.h"
#include "backends/reference/kernels/reshape.h"
#include "backends/reference/kernels/slice.h"
#include "backends/reference/kernels/softmax.h"
#include "backends/reference/kernels/transpose.h"
#include "backends/reference/reference_backend.h"
#include "runtime/ops/op_check.h"

namespace sprig {
namespace {

using namespace sprig::reference;  // NOLINT
using flatbuffers::FlatBufferBuilder;

// ---- helpers ------------------------------------------------------------------------------------

Shape make_shape(std::initializer_list<int64_t> dims) {
  Shape shape;
  for (int64_t d : dims) shape.dims[shape.rank++] = d;
  return shape;
}

// A float tensor owning its values; the view points into them.
struct HostTensor {
  HostTensor(std::initializer_list<int64_t> dims, std::vector<float> initial = {}) {
    view.shape = make_shape(dims);
    values = initial.empty() ? std::vector<float>(static_cast<size_t>(view.shape.numel()), 0.0f)
                             : std::move(initial);
    EXPECT_EQ(static_cast<int64_t>(values.size()), view.shape.numel());
    view.data = values.data();
  }
  HostTensor(const HostTensor&) = delete;
  float operator[](size_t i) const { return values[i]; }

  std::vector<float> values;
  TensorView view;
};

// Deterministic values in [-1, 1).
std::vector<float> pattern(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  uint32_t state = seed * 2654435761u + 12345u;
  for (size_t i = 0; i < n; ++i) {
    state = state * 1664525u + 1013904223u;
    v[i] = static_cast<float>(state >> 8) / static_cast<float>(1u << 23) - 1.0f;
  }
  return v;
}

std::vector<float> iota(size_t n, float start = 0.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

template <typename T>
const T* finish(FlatBufferBuilder& fbb, flatbuffers::Offset<T> offset) {
  fbb.Finish(offset);
  return flatbuffers::GetRoot<T>(fbb.GetBufferPointer());
}

void expect_values(const std::vector<float>& actual, const std::vector<double>& expected,
                   double tolerance = 1e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance * (1.0 + std::fabs(expected[i]))) << "at " << i;
}

// ---- conv2d -------------------------------------------------------------------------------------

struct ConvCase {
  int n, c, h, w, o, kh, kw;
  int stride_h, stride_w, dilation_h, dilation_w;
  int pad_top, pad_left, pad_bottom, pad_right;
  int groups;
  bool bias;
  bool relu;
};

// Builds NCHW input and OIHW weights, convolves them with a naive NCHW loop, runs the NHWC kernel
// on the same numbers re-laid out, and compares.
void check_conv(const ConvCase& k) {
  const int cg = k.c / k.groups;
  const int og = k.o / k.groups;
  const int oh = (k.h + k.pad_top + k.pad_bottom - k.dilation_h * (k.kh - 1) - 1) / k.stride_h + 1;
  const int ow = (k.w + k.pad_left + k.pad_right - k.dilation_w * (k.kw - 1) - 1) / k.stride_w + 1;
  const std::vector<float> x_nchw = pattern(static_cast<size_t>(k.n * k.c * k.h * k.w), 1);
  const std::vector<float> w_oihw = pattern(static_cast<size_t>(k.o * cg * k.kh * k.kw), 2);
  const std::vector<float> b = pattern(static_cast<size_t>(k.o), 3);

  std::vector<double> expected_nchw(static_cast<size_t>(k.n * k.o * oh * ow));
  for (int n = 0; n < k.n; ++n)
    for (int oc = 0; oc < k.o; ++oc)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          const int g = oc / og;
          double sum = k.bias ? b[oc] : 0.0;
          for (int ic = 0; ic < cg; ++ic)
            for (int ky = 0; ky < k.kh; ++ky)
              for (int kx = 0; kx < k.kw; ++kx) {
                const int iy = y * k.stride_h - k.pad_top + ky * k.dilation_h;
                const int ix = x * k.stride_w - k.pad_left + kx * k.dilation_w;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
                sum +=
                    static_cast<double>(x_nchw[((n * k.c + g * cg + ic) * k.h + iy) * k.w + ix]) *
                    w_oihw[((oc * cg + ic) * k.kh + ky) * k.kw + kx];
              }
          if (k.relu && sum < 0) sum = 0;
          expected_nchw[((n * k.o + oc) * oh + y) * ow + x] = sum;
        }

  HostTensor x({k.n, k.h, k.w, k.c});
  for (int n = 0; n < k.n; ++n)
    for (int c = 0; c < k.c; ++c)
      for (int y = 0; y < k.h; ++y)
        for (int i = 0; i < k.w; ++i)
          x.values[((n * k.h + y) * k.w + i) * k.c + c] =
              x_nchw[((n * k.c + c) * k.h + y) * k.w + i];
  HostTensor w({k.o, k.kh, k.kw, cg});
  for (int oc = 0; oc < k.o; ++oc)
    for (int ic = 0; ic < cg; ++ic)
      for (int ky = 0; ky < k.kh; ++ky)
        for (int kx = 0; kx < k.kw; ++kx)
          w.values[((oc * k.kh + ky) * k.kw + kx) * cg + ic] =
              w_oihw[((oc * cg + ic) * k.kh + ky) * k.kw + kx];
  HostTensor bias({k.o}, b);
  HostTensor y({k.n, oh, ow, k.o});

  FlatBufferBuilder fbb;
  const auto fused = k.relu ? fb::CreateActivation(fbb, fb::ActivationKind::Relu) : 0;
  const auto* options =
      finish(fbb, fb::CreateConv2DOptions(fbb, k.stride_h, k.stride_w, k.dilation_h, k.dilation_w,
                                          k.pad_top, k.pad_left, k.pad_bottom, k.pad_right,
                                          k.groups, fused));
  ASSERT_TRUE(
      f32_conv2d_nhwc__ref(x.view, w.view, k.bias ? &bias.view : nullptr, *options, y.view).ok());

  std::vector<double> expected_nhwc(expected_nchw.size());
  for (int n = 0; n < k.n; ++n)
    for (int oc = 0; oc < k.o; ++oc)
      for (int i = 0; i < oh; ++i)
        for (int j = 0; j < ow; ++j)
          expected_nhwc[((n * oh + i) * ow + j) * k.o + oc] =
              expected_nchw[((n * k.o + oc) * oh + i) * ow + j];
  expect_values(y.values, expected_nhwc);
}

TEST(ReferenceConv2D, Plain3x3SamePadding) {
  check_conv({2, 3, 5, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, false});
}

TEST(ReferenceConv2D, StrideDilationAsymmetricPaddingNoBias) {
  check_conv({1, 2, 9, 8, 3, 3, 2, 2, 3, 2, 1, 2, 0, 1, 3, 1, false, false});
}

TEST(ReferenceConv2D, GroupedWithFusedRelu) {
  check_conv({1, 4, 6, 5, 6, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 2, true, true});
}

TEST(ReferenceConv2D, DepthwiseWithChannelMultiplier) {
  check_conv({1, 3, 7, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 3, true, false});
}

TEST(ReferenceConv2D, PointwiseHandChecked) {
  // 1x1 conv, 2 -> 1 channels: y = 2*x0 - x1 + 0.5.
  HostTensor x({1, 1, 2, 2}, {1, 2, 3, 4});
  HostTensor w({1, 1, 1, 2}, {2, -1});
  HostTensor b({1}, {0.5f});
  HostTensor y({1, 1, 2, 1});
  FlatBufferBuilder fbb;
  const auto* options = finish(fbb, fb::CreateConv2DOptions(fbb));
  ASSERT_TRUE(f32_conv2d_nhwc__ref(x.view, w.view, &b.view, *options, y.view).ok());
  expect_values(y.values, {0.5, 2.5});
}

TEST(ReferenceConv2D, RejectsMismatchedWeights) {
  HostTensor x({1, 3, 3, 4});
  HostTensor w({2, 1, 1, 3});
  HostTensor y({1, 3, 3, 2});
  FlatBufferBuilder fbb;
  const auto* options = finish(fbb, fb::CreateConv2DOptions(fbb));
  const Status status = f32_conv2d_nhwc__ref(x.view, w.view, nullptr, *options, y.view);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
}

// ---- fully connected and matmul -----------------------------------------------------------------

TEST(ReferenceFullyConnected, HandCheckedWithBiasAndRelu) {
  HostTensor x({2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor w({2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
  HostTensor b({2}, {0.5f, -1});
  HostTensor y({2, 2});
  FlatBufferBuilder fbb;
  const auto* plain = finish(fbb, fb::CreateFullyConnectedOptions(fbb));
  ASSERT_TRUE(f32_fully_connected__ref(x.view, w.view, &b.view, *plain, y.view).ok());
  expect_values(y.values, {-1.5, 2.0, -1.5, 6.5});

  FlatBufferBuilder fbb_relu;
  const auto* relu =
      finish(fbb_relu, fb::CreateFullyConnectedOptions(
                           fbb_relu, fb::CreateActivation(fbb_relu, fb::ActivationKind::Relu)));
  ASSERT_TRUE(f32_fully_connected__ref(x.view, w.view, &b.view, *relu, y.view).ok());
  expect_values(y.values, {0.0, 2.0, 0.0, 6.5});
}

TEST(ReferenceFullyConnected, LeadingDimsAndNoBias) {
  HostTensor x({2, 1, 2}, {1, 2, 3, 4});
  HostTensor w({3, 2}, {1, 1, 1, -1, 2, 0});
  HostTensor y({2, 1, 3});
  FlatBufferBuilder fbb;
  const auto* options = finish(fbb, fb::CreateFullyConnectedOptions(fbb));
  ASSERT_TRUE(f32_fully_connected__ref(x.view, w.view, nullptr, *options, y.view).ok());
  expect_values(y.values, {3, -1, 2, 7, -1, 6});
}

TEST(ReferenceMatMul, TwoByThreeTimesThreeByTwo) {
  HostTensor a({2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor b({3, 2}, {7, 8, 9, 10, 11, 12});
  HostTensor y({2, 2});
  ASSERT_TRUE(f32_matmul__ref(a.view, b.view, y.view).ok());
  expect_values(y.values, {58, 64, 139, 154});
}

TEST(ReferenceMatMul, OneDimensionalOperands) {
  HostTensor v({3}, {1, 2, 3});
  HostTensor m32({3, 2}, {7, 8, 9, 10, 11, 12});
  HostTensor m23({2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor y2({2});
  ASSERT_TRUE(f32_matmul__ref(v.view, m32.view, y2.view).ok());
  expect_values(y2.values, {58, 64});
  ASSERT_TRUE(f32_matmul__ref(m23.view, v.view, y2.view).ok());
  expect_values(y2.values, {14, 32});
  HostTensor scalar({});
  ASSERT_TRUE(f32_matmul__ref(v.view, v.view, scalar.view).ok());
  expect_values(scalar.values, {14});
}

TEST(ReferenceMatMul, BroadcastBatchDims) {
  // a [2, 1, 2, 3] x b [3, 3, 2] -> y [2, 3, 2, 2].
  HostTensor a({2, 1, 2, 3}, pattern(12, 4));
  HostTensor b({3, 3, 2}, pattern(18, 5));
  HostTensor y({2, 3, 2, 2});
  ASSERT_TRUE(f32_matmul__ref(a.view, b.view, y.view).ok());
  std::vector<double> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int m = 0; m < 2; ++m)
        for (int n = 0; n < 2; ++n) {
          double sum = 0;
          for (int k = 0; k < 3; ++k)
            sum += static_cast<double>(a[static_cast<size_t>((i * 2 + m) * 3 + k)]) *
                   b[static_cast<size_t>((j * 3 + k) * 2 + n)];
          expected.push_back(sum);
        }
  expect_values(y.values, expected);
}

TEST(ReferenceMatMul, RejectsInnerMismatch) {
  HostTensor a({2, 3});
  HostTensor b({2, 2});
  HostTensor y({2, 2});
  EXPECT_EQ(f32_matmul__ref(a.view, b.view, y.view).code(), Code::kInvalidArgument);
}

// ---- batch norm ---------------------------------------------------------------------------------

TEST(ReferenceBatchNorm, LastAxisAndMiddleAxis) {
  HostTensor scale({2}, {2, 0.5f});
  HostTensor bias({2}, {1, -1});
  HostTensor mean({2}, {0.5f, -2});
  HostTensor var({2}, {4, 0.25f});
  const double eps = 1e-3;
  auto bn = [&](double v, int c) {
    return (v - mean[c]) / std::sqrt(var[c] + eps) * scale[c] + bias[c];
  };

  HostTensor x({1, 2, 2, 2}, iota(8, -3));
  HostTensor y({1, 2, 2, 2});
  FlatBufferBuilder fbb;
  const auto* last = finish(fbb, fb::CreateBatchNormOptions(fbb, 1e-3f, 3));
  ASSERT_TRUE(
      f32_batch_norm__ref(x.view, scale.view, bias.view, mean.view, var.view, *last, y.view).ok());
  std::vector<double> expected;
  for (size_t i = 0; i < 8; ++i) expected.push_back(bn(x[i], static_cast<int>(i % 2)));
  expect_values(y.values, expected);

  HostTensor x2({3, 2, 2}, iota(12, -5));
  HostTensor y2({3, 2, 2});
  FlatBufferBuilder fbb2;
  const auto* middle = finish(fbb2, fb::CreateBatchNormOptions(fbb2, 1e-3f, 1));
  ASSERT_TRUE(
      f32_batch_norm__ref(x2.view, scale.view, bias.view, mean.view, var.view, *middle, y2.view)
          .ok());
  expected.clear();
  for (size_t i = 0; i < 12; ++i) expected.push_back(bn(x2[i], static_cast<int>((i / 2) % 2)));
  expect_values(y2.values, expected);
}

// ---- binary -------------------------------------------------------------------------------------

TEST(ReferenceBinary, BroadcastAddSubMulDiv) {
  HostTensor a({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor b({4, 1}, {1, 2, 4, 8});
  HostTensor y({2, 4, 3});
  struct Case {
    Status (*kernel)(const TensorView&, const TensorView&, const fb::Activation*,
                     const TensorView&);
    double (*op)(double, double);
  };
  const Case cases[] = {
      {f32_add__ref, [](double p, double q) { return p + q; }},
      {f32_sub__ref, [](double p, double q) { return p - q; }},
      {f32_mul__ref, [](double p, double q) { return p * q; }},
      {f32_div__ref, [](double p, double q) { return p / q; }},
  };
  for (const Case& c : cases) {
    ASSERT_TRUE(c.kernel(a.view, b.view, nullptr, y.view).ok());
    std::vector<double> expected;
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 4; ++j)
        for (int k = 0; k < 3; ++k)
          expected.push_back(c.op(a[static_cast<size_t>(i * 3 + k)], b[static_cast<size_t>(j)]));
    expect_values(y.values, expected);
  }
}

TEST(ReferenceBinary, FusedReluAndScalar) {
  HostTensor a({3}, {1, 2, 3});
  HostTensor s({}, {2});
  HostTensor y({3});
  FlatBufferBuilder fbb;
  const auto* relu = finish(fbb, fb::CreateActivation(fbb, fb::ActivationKind::Relu));
  ASSERT_TRUE(f32_sub__ref(a.view, s.view, relu, y.view).ok());
  expect_values(y.values, {0, 0, 1});
  HostTensor scalar_out({});
  HostTensor t({}, {3});
  ASSERT_TRUE(f32_mul__ref(s.view, t.view, nullptr, scalar_out.view).ok());
  expect_values(scalar_out.values, {6});
}

TEST(ReferenceBinary, RankEightBroadcast) {
  HostTensor a({2, 1, 2, 1, 2, 1, 2, 1}, pattern(16, 6));
  HostTensor b({1, 2, 1, 2, 1, 2, 1, 2}, pattern(16, 7));
  HostTensor y({2, 2, 2, 2, 2, 2, 2, 2});
  ASSERT_TRUE(f32_add__ref(a.view, b.view, nullptr, y.view).ok());
  std::vector<double> expected(256);
  for (int i = 0; i < 256; ++i) {
    int bits[8];
    for (int d = 0; d < 8; ++d) bits[d] = (i >> (7 - d)) & 1;
    int ia = 0, ib = 0;
    for (int d = 0; d < 8; ++d) {
      if (d % 2 == 0)
        ia = ia * 2 + bits[d];
      else
        ib = ib * 2 + bits[d];
    }
    expected[static_cast<size_t>(i)] =
        static_cast<double>(a[static_cast<size_t>(ia)]) + b[static_cast<size_t>(ib)];
  }
  expect_values(y.values, expected);
}

TEST(ReferenceBinary, RejectsIncompatibleShapes) {
  HostTensor a({2, 3});
  HostTensor b({2});
  HostTensor y({2, 3});
  EXPECT_EQ(f32_add__ref(a.view, b.view, nullptr, y.view).code(), Code::kInvalidArgument);
}

// ---- activation ---------------------------------------------------------------------------------

TEST(ReferenceActivation, EveryKindMatchesItsFormula) {
  const std::vector<float> inputs = {-4, -3, -1, -0.5f, 0, 0.25f, 0.5f, 1, 3, 4};
  struct Case {
    fb::ActivationKind kind;
    float alpha, beta;
    double (*f)(double, double, double);
  };
  const Case cases[] = {
      {fb::ActivationKind::None, 0, 0, [](double x, double, double) { return x; }},
      {fb::ActivationKind::Relu, 0, 0, [](double x, double, double) { return x > 0 ? x : 0; }},
      {fb::ActivationKind::Clip, -1, 2,
       [](double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }},
      {fb::ActivationKind::LeakyRelu, 0.1f, 0,
       [](double x, double a, double) { return x >= 0 ? x : a * x; }},
      {fb::ActivationKind::Sigmoid, 0, 0,
       [](double x, double, double) { return 1 / (1 + std::exp(-x)); }},
      {fb::ActivationKind::Tanh, 0, 0, [](double x, double, double) { return std::tanh(x); }},
      {fb::ActivationKind::HardSigmoid, 0.2f, 0.5f,
       [](double x, double a, double b) { return std::max(0.0, std::min(1.0, a * x + b)); }},
      {fb::ActivationKind::HardSwish, 0, 0,
       [](double x, double, double) { return x * std::min(std::max(x + 3, 0.0), 6.0) / 6; }},
      {fb::ActivationKind::Gelu, 0, 0,
       [](double x, double, double) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }},
      {fb::ActivationKind::GeluTanh, 0, 0,
       [](double x, double, double) {
         const double pi = 3.14159265358979323846;
         return 0.5 * x * (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715 * x * x * x)));
       }},
      {fb::ActivationKind::Silu, 0, 0,
       [](double x, double, double) { return x / (1 + std::exp(-x)); }},
  };
  for (const Case& c : cases) {
    FlatBufferBuilder fbb;
    const auto* act = finish(fbb, fb::CreateActivation(fbb, c.kind, c.alpha, c.beta));
    HostTensor x({static_cast<int64_t>(inputs.size())}, inputs);
    HostTensor y({static_cast<int64_t>(inputs.size())});
    ASSERT_TRUE(f32_activation__ref(x.view, act, y.view).ok());
    std::vector<double> expected;
    for (float v : inputs) expected.push_back(c.f(v, c.alpha, c.beta));
    SCOPED_TRACE(fb::EnumNameActivationKind(c.kind));
    expect_values(y.values, expected);
  }
}

TEST(ReferenceActivation, KnownValues) {
  FlatBufferBuilder fbb;
  const auto* gelu = finish(fbb, fb::CreateActivation(fbb, fb::ActivationKind::Gelu));
  EXPECT_NEAR(apply_activation(gelu, 1.0f), 0.8413447, 1e-6);
  FlatBufferBuilder fbb2;
  const auto* hard_swish = finish(fbb2, fb::CreateActivation(fbb2, fb::ActivationKind::HardSwish));
  EXPECT_NEAR(apply_activation(hard_swish, 1.0f), 4.0 / 6.0, 1e-6);
  EXPECT_EQ(apply_activation(hard_swish, -3.0f), 0.0f);
  EXPECT_EQ(apply_activation(hard_swish, 5.0f), 5.0f);
  EXPECT_EQ(apply_activation(nullptr, -2.5f), -2.5f);
}

// ---- pooling ------------------------------------------------------------------------------------

const fb::Pool2DOptions* pool_options(FlatBufferBuilder& fbb, int kh, int kw, int sh, int sw,
                                      int pt, int pl, int pb, int pr, bool include_pad, int dh = 1,
                                      int dw = 1) {
  return finish(fbb,
                fb::CreatePool2DOptions(fbb, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, include_pad));
}

TEST(ReferencePool2D, MaxAndAverageTwoByTwo) {
  HostTensor x({1, 4, 4, 1}, iota(16, 1));
  HostTensor y({1, 2, 2, 1});
  FlatBufferBuilder fbb;
  const auto* o = pool_options(fbb, 2, 2, 2, 2, 0, 0, 0, 0, false);
  ASSERT_TRUE(f32_max_pool2d_nhwc__ref(x.view, *o, y.view).ok());
  expect_values(y.values, {6, 8, 14, 16});
  ASSERT_TRUE(f32_average_pool2d_nhwc__ref(x.view, *o, y.view).ok());
  expect_values(y.values, {3.5, 5.5, 11.5, 13.5});
}

TEST(ReferencePool2D, AverageDivisorWithAndWithoutPadding) {
  // Every 3x3 window (pad 1) over a 2x2 input covers all four values: sum 10.
  HostTensor x({1, 2, 2, 1}, {1, 2, 3, 4});
  HostTensor y({1, 2, 2, 1});
  FlatBufferBuilder fbb;
  ASSERT_TRUE(f32_average_pool2d_nhwc__ref(
                  x.view, *pool_options(fbb, 3, 3, 1, 1, 1, 1, 1, 1, false), y.view)
                  .ok());
  expect_values(y.values, {2.5, 2.5, 2.5, 2.5});
  FlatBufferBuilder fbb2;
  ASSERT_TRUE(f32_average_pool2d_nhwc__ref(
                  x.view, *pool_options(fbb2, 3, 3, 1, 1, 1, 1, 1, 1, true), y.view)
                  .ok());
  expect_values(y.values, {10.0 / 9, 10.0 / 9, 10.0 / 9, 10.0 / 9});
}

TEST(ReferencePool2D, CeilModeWindowPastThePaddingNeverCounts) {
  // W = 4, kernel 3, stride 2, pad 1 left and right, ceil mode: 3 windows starting at -1, 1, 3.
  // The last covers column 3 (input), 4 (right padding) and 5 (past the padding).
  HostTensor x({1, 1, 4, 1}, {1, 2, 3, 4});
  HostTensor y({1, 1, 3, 1});
  FlatBufferBuilder fbb;
  ASSERT_TRUE(
      f32_average_pool2d_nhwc__ref(x.view, *pool_options(fbb, 1, 3, 1, 2, 0, 1, 0, 1, true), y.view)
          .ok());
  expect_values(y.values, {(1 + 2) / 3.0, (2 + 3 + 4) / 3.0, 4 / 2.0});
  FlatBufferBuilder fbb2;
  ASSERT_TRUE(f32_average_pool2d_nhwc__ref(
                  x.view, *pool_options(fbb2, 1, 3, 1, 2, 0, 1, 0, 1, false), y.view)
                  .ok());
  expect_values(y.values, {(1 + 2) / 2.0, (2 + 3 + 4) / 3.0, 4.0});
  FlatBufferBuilder fbb3;
  ASSERT_TRUE(
      f32_max_pool2d_nhwc__ref(x.view, *pool_options(fbb3, 1, 3, 1, 2, 0, 1, 0, 1, false), y.view)
          .ok());
  expect_values(y.values, {2, 4, 4});
}

// Naive NCHW pooling written independently of the kernel, compared on several configurations.
void check_pool(bool max, int c, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw,
                int pt, int pl, int pb, int pr, bool include_pad, bool ceil_mode) {
  auto out_size = [](int in, int pad_begin, int pad_end, int k, int s, int d, bool ceil) {
    const int span = in + pad_begin + pad_end - d * (k - 1) - 1;
    int count = (ceil ? (span + s - 1) / s : span / s) + 1;
    if (ceil && (count - 1) * s >= in + pad_begin) --count;
    return count;
  };
  const int oh = out_size(h, pt, pb, kh, sh, dh, ceil_mode);
  const int ow = out_size(w, pl, pr, kw, sw, dw, ceil_mode);
  const std::vector<float> x_nchw = pattern(static_cast<size_t>(c * h * w), 9);
  std::vector<double> expected(static_cast<size_t>(oh * ow * c));
  for (int ch = 0; ch < c; ++ch)
    for (int i = 0; i < oh; ++i)
      for (int j = 0; j < ow; ++j) {
        double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
        int inside = 0, padded = 0;
        for (int ky = 0; ky < kh; ++ky)
          for (int kx = 0; kx < kw; ++kx) {
            const int iy = i * sh - pt + ky * dh;
            const int ix = j * sw - pl + kx * dw;
            if (iy < h + pb && ix < w + pr) ++padded;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            ++inside;
            const double v = x_nchw[static_cast<size_t>((ch * h + iy) * w + ix)];
            acc = max ? std::max(acc, v) : acc + v;
          }
        if (!max) acc /= include_pad ? padded : inside;
        expected[static_cast<size_t>((i * ow + j) * c + ch)] = acc;
      }
  HostTensor x({1, h, w, c});
  for (int ch = 0; ch < c; ++ch)
    for (int i = 0; i < h * w; ++i)
      x.values[static_cast<size_t>(i * c + ch)] = x_nchw[static_cast<size_t>(ch * h * w + i)];
  HostTensor y({1, oh, ow, c});
  FlatBufferBuilder fbb;
  const auto* o = pool_options(fbb, kh, kw, sh, sw, pt, pl, pb, pr, include_pad, dh, dw);
  const Status status = max ? f32_max_pool2d_nhwc__ref(x.view, *o, y.view)
                            : f32_average_pool2d_nhwc__ref(x.view, *o, y.view);
  ASSERT_TRUE(status.ok()) << status.message();
  expect_values(y.values, expected);
}

TEST(ReferencePool2D, MatchesNaiveNchwLoops) {
  for (bool max : {true, false})
    for (bool include_pad : {false, true})
      for (bool ceil_mode : {false, true}) {
        SCOPED_TRACE(testing::Message()
                     << "max " << max << " include_pad " << include_pad << " ceil " << ceil_mode);
        check_pool(max, 3, 7, 6, 3, 2, 2, 2, 1, 1, 1, 0, 1, 1, include_pad, ceil_mode);
        check_pool(max, 2, 8, 9, 3, 3, 3, 2, 1, 2, 0, 2, 2, 1, include_pad, ceil_mode);
        check_pool(max, 1, 5, 5, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, include_pad, ceil_mode);
      }
}

TEST(ReferenceGlobalAveragePool, MeansPerChannel) {
  HostTensor x({2, 2, 2, 2}, iota(16));
  HostTensor y({2, 1, 1, 2});
  ASSERT_TRUE(f32_global_average_pool_nhwc__ref(x.view, y.view).ok());
  // Batch 0 channel 0: 0, 2, 4, 6; channel 1: 1, 3, 5, 7; batch 1 adds 8.
  expect_values(y.values, {3, 4, 11, 12});
}

// ---- reductions and softmax ---------------------------------------------------------------------

TEST(ReferenceReduceMean, MiddleAxisKeepDims) {
  HostTensor x({2, 3, 4}, iota(24));
  HostTensor y({2, 1, 4});
  FlatBufferBuilder fbb;
  const std::vector<int32_t> axes = {1};
  const auto* o = finish(fbb, fb::CreateReduceMeanOptionsDirect(fbb, &axes, true));
  ASSERT_TRUE(f32_reduce_mean__ref(x.view, *o, y.view).ok());
  std::vector<double> expected;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k)
      expected.push_back((x[static_cast<size_t>(i * 12 + k)] +
                          x[static_cast<size_t>(i * 12 + 4 + k)] +
                          x[static_cast<size_t>(i * 12 + 8 + k)]) /
                         3.0);
  expect_values(y.values, expected);
}

TEST(ReferenceReduceMean, OuterAxesDropped) {
  HostTensor x({2, 3, 4}, pattern(24, 11));
  HostTensor y({3});
  FlatBufferBuilder fbb;
  const std::vector<int32_t> axes = {0, 2};
  const auto* o = finish(fbb, fb::CreateReduceMeanOptionsDirect(fbb, &axes, false));
  ASSERT_TRUE(f32_reduce_mean__ref(x.view, *o, y.view).ok());
  std::vector<double> expected(3, 0.0);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        expected[static_cast<size_t>(j)] += x[static_cast<size_t>((i * 3 + j) * 4 + k)] / 8.0;
  expect_values(y.values, expected);
}

TEST(ReferenceSoftmax, RowsSumToOneAndMatchExpOverSum) {
  HostTensor x({2, 3, 4}, pattern(24, 12));
  x.values[5] = 1000.0f;  // stability: no overflow to inf/NaN
  HostTensor y({2, 3, 4});
  for (int axis : {1, 2}) {
    FlatBufferBuilder fbb;
    const auto* o = finish(fbb, fb::CreateSoftmaxOptions(fbb, axis));
    ASSERT_TRUE(f32_softmax__ref(x.view, *o, y.view).ok());
    const int len = axis == 1 ? 3 : 4;
    const int stride = axis == 1 ? 4 : 1;
    std::vector<double> expected(24);
    for (int i = 0; i < 2; ++i)
      for (int r = 0; r < (axis == 1 ? 4 : 3); ++r) {
        const int base = i * 12 + (axis == 1 ? r : r * 4);
        double max = -1e300, sum = 0, total = 0;
        for (int c = 0; c < len; ++c)
          max = std::max(max, static_cast<double>(x[static_cast<size_t>(base + c * stride)]));
        for (int c = 0; c < len; ++c)
          sum += std::exp(x[static_cast<size_t>(base + c * stride)] - max);
        for (int c = 0; c < len; ++c) {
          const size_t idx = static_cast<size_t>(base + c * stride);
          expected[idx] = std::exp(x[idx] - max) / sum;
          total += y[idx];
        }
        EXPECT_NEAR(total, 1.0, 1e-5);
      }
    expect_values(y.values, expected);
  }
}

// ---- shape ops ----------------------------------------------------------------------------------

TEST(ReferenceReshape, CopiesElements) {
  HostTensor x({2, 3}, iota(6));
  HostTensor y({3, 2});
  ASSERT_TRUE(f32_reshape__ref(x.view, y.view).ok());
  expect_values(y.values, {0, 1, 2, 3, 4, 5});
  HostTensor bad({4});
  EXPECT_EQ(f32_reshape__ref(x.view, bad.view).code(), Code::kInvalidArgument);
}

TEST(ReferenceConcat, MiddleAxisThreeInputsAndNegativeAxis) {
  HostTensor a({2, 1, 2}, {1, 2, 3, 4});
  HostTensor b({2, 2, 2}, {10, 11, 12, 13, 14, 15, 16, 17});
  HostTensor c({2, 0, 2});
  HostTensor y({2, 3, 2});
  const TensorView* inputs[] = {&a.view, &b.view, &c.view};
  for (int axis : {1, -2}) {
    FlatBufferBuilder fbb;
    const auto* o = finish(fbb, fb::CreateConcatOptions(fbb, axis));
    ASSERT_TRUE(f32_concat__ref(inputs, 3, *o, y.view).ok());
    expect_values(y.values, {1, 2, 10, 11, 12, 13, 3, 4, 14, 15, 16, 17});
  }
}

TEST(ReferenceTranspose, PermutesAxes) {
  HostTensor x({2, 3, 4}, iota(24));
  HostTensor y({4, 2, 3});
  FlatBufferBuilder fbb;
  const std::vector<int32_t> perm = {2, 0, 1};
  const auto* o = finish(fbb, fb::CreateTransposeOptionsDirect(fbb, &perm));
  ASSERT_TRUE(f32_transpose__ref(x.view, *o, y.view).ok());
  std::vector<double> expected;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k) expected.push_back(x[static_cast<size_t>((j * 3 + k) * 4 + i)]);
  expect_values(y.values, expected);
}

TEST(ReferenceTranspose, RankEightReversed) {
  const int64_t dims[8] = {2, 1, 3, 1, 2, 1, 2, 1};
  HostTensor x({2, 1, 3, 1, 2, 1, 2, 1}, iota(24));
  HostTensor y({1, 2, 1, 2, 1, 3, 1, 2});
  FlatBufferBuilder fbb;
  const std::vector<int32_t> perm = {7, 6, 5, 4, 3, 2, 1, 0};
  const auto* o = finish(fbb, fb::CreateTransposeOptionsDirect(fbb, &perm));
  ASSERT_TRUE(f32_transpose__ref(x.view, *o, y.view).ok());
  // y index (i7..i0) reads x index (i0..i7): x's row-major offset of the reversed index.
  std::vector<double> expected(24);
  for (int flat = 0; flat < 24; ++flat) {
    int64_t idx[8];
    int rest = flat;
    for (int d = 7; d >= 0; --d) {  // y's dim d is x's dim 7 - d
      idx[7 - d] = rest % dims[7 - d];
      rest /= static_cast<int>(dims[7 - d]);
    }
    int64_t x_offset = 0;
    for (int d = 0; d < 8; ++d) x_offset = x_offset * dims[d] + idx[d];
    expected[static_cast<size_t>(flat)] = x[static_cast<size_t>(x_offset)];
  }
  expect_values(y.values, expected);
}

void check_pad_1d(fb::PadMode mode, std::vector<double> expected) {
  HostTensor x({3}, {1, 2, 3});
  HostTensor y({7});
  FlatBufferBuilder fbb;
  const std::vector<int64_t> pads = {2, 2};
  const auto* o = finish(fbb, fb::CreatePadOptionsDirect(fbb, &pads, mode, 9.0f));
  ASSERT_TRUE(f32_pad__ref(x.view, *o, y.view).ok());
  expect_values(y.values, expected);
}

TEST(ReferencePad, OneDimensionalModes) {
  check_pad_1d(fb::PadMode::Reflect, {3, 2, 1, 2, 3, 2, 1});
  check_pad_1d(fb::PadMode::Edge, {1, 1, 1, 2, 3, 3, 3});
  check_pad_1d(fb::PadMode::Constant, {9, 9, 1, 2, 3, 9, 9});
}

TEST(ReferencePad, TwoDimensionalReflectAndConstant) {
  HostTensor x({2, 3}, {1, 2, 3, 4, 5, 6});
  HostTensor y({4, 7});
  FlatBufferBuilder fbb;
  const std::vector<int64_t> pads = {1, 2, 1, 2};
  const auto* o = finish(fbb, fb::CreatePadOptionsDirect(fbb, &pads, fb::PadMode::Reflect));
  ASSERT_TRUE(f32_pad__ref(x.view, *o, y.view).ok());
  expect_values(y.values, {6, 5, 4, 5, 6, 5, 4,  //
                           3, 2, 1, 2, 3, 2, 1,  //
                           6, 5, 4, 5, 6, 5, 4,  //
                           3, 2, 1, 2, 3, 2, 1});

  HostTensor x2({2, 2}, {1, 2, 3, 4});
  HostTensor y2({3, 3});
  FlatBufferBuilder fbb2;
  const std::vector<int64_t> pads2 = {1, 0, 0, 1};
  const auto* o2 =
      finish(fbb2, fb::CreatePadOptionsDirect(fbb2, &pads2, fb::PadMode::Constant, -1));
  ASSERT_TRUE(f32_pad__ref(x2.view, *o2, y2.view).ok());
  expect_values(y2.values, {-1, -1, -1, 1, 2, -1, 3, 4, -1});
}

TEST(ReferenceSlice, NegativeAndPositiveSteps) {
  HostTensor x({10}, iota(10));
  HostTensor y({3});
  FlatBufferBuilder fbb;
  const std::vector<int64_t> starts = {8}, steps = {-3};
  const auto* o = finish(fbb, fb::CreateSliceOptionsDirect(fbb, &starts, &steps));
  ASSERT_TRUE(f32_slice__ref(x.view, *o, y.view).ok());
  expect_values(y.values, {8, 5, 2});

  HostTensor x2({3, 4}, iota(12));
  HostTensor y2({3, 2});
  FlatBufferBuilder fbb2;
  const std::vector<int64_t> starts2 = {2, 0}, steps2 = {-1, 2};
  const auto* o2 = finish(fbb2, fb::CreateSliceOptionsDirect(fbb2, &starts2, &steps2));
  ASSERT_TRUE(f32_slice__ref(x2.view, *o2, y2.view).ok());
  expect_values(y2.values, {8, 10, 4, 6, 0, 2});

  HostTensor y_bad({4});
  EXPECT_EQ(f32_slice__ref(x.view, *o, y_bad.view).code(), Code::kInvalidArgument);
}

// ---- check_op -----------------------------------------------------------------------------------

TensorView declared(std::initializer_list<int64_t> dims, DType dtype = DType::F32) {
  TensorView view;
  view.dtype = dtype;
  view.shape = make_shape(dims);
  return view;
}

// An op and the declared tensors check_op sees.
class OpUnderCheck {
 public:
  // make_options(fbb) returns the options table's offset; nullptr leaves the table out.
  template <typename MakeOptions>
  OpUnderCheck(fb::OpType type, fb::OpOptions options_type, MakeOptions make_options,
               const char* name, std::vector<TensorView> inputs, std::vector<TensorView> outputs)
      : inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
    build(type, options_type, make_options(fbb_).Union(), name);
  }
  OpUnderCheck(fb::OpType type, fb::OpOptions options_type, std::nullptr_t, const char* name,
               std::vector<TensorView> inputs, std::vector<TensorView> outputs)
      : inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
    build(type, options_type, flatbuffers::Offset<void>(), name);
  }

  Status check() {
    in_ptrs_.clear();
    out_ptrs_.clear();
    for (const TensorView& v : inputs_) in_ptrs_.push_back(&v);
    for (const TensorView& v : outputs_) out_ptrs_.push_back(&v);
    OpSignature signature;
    signature.op = op_;
    signature.inputs = in_ptrs_.data();
    signature.num_inputs = static_cast<int>(in_ptrs_.size());
    signature.outputs = out_ptrs_.data();
    signature.num_outputs = static_cast<int>(out_ptrs_.size());
    return check_op(signature);
  }

  std::vector<TensorView>& inputs() { return inputs_; }
  std::vector<TensorView>& outputs() { return outputs_; }
  const fb::Op& op() const { return *op_; }

 private:
  void build(fb::OpType type, fb::OpOptions options_type, flatbuffers::Offset<void> options,
             const char* name) {
    const auto name_offset = fbb_.CreateString(name);
    op_ = finish(fbb_, fb::CreateOp(fbb_, type, 0, 0, options_type, options, name_offset));
  }

  FlatBufferBuilder fbb_;
  const fb::Op* op_ = nullptr;
  std::vector<TensorView> inputs_;
  std::vector<TensorView> outputs_;
  std::vector<const TensorView*> in_ptrs_;
  std::vector<const TensorView*> out_ptrs_;
};

::testing::AssertionResult rejected(const Status& status, Code code, const std::string& text) {
  if (status.ok()) return ::testing::AssertionFailure() << "accepted, expected: " << text;
  if (status.code() != code)
    return ::testing::AssertionFailure()
           << "code " << code_name(status.code()) << ": " << status.message();
  if (std::string(status.message()).find(text) == std::string::npos)
    return ::testing::AssertionFailure()
           << "message '" << status.message() << "' lacks '" << text << "'";
  return ::testing::AssertionSuccess();
}

template <typename MakeOptions>
OpUnderCheck conv_op(std::vector<TensorView> inputs, std::vector<TensorView> outputs,
                     MakeOptions options) {
  return OpUnderCheck(fb::OpType::Conv2D, fb::OpOptions::Conv2DOptions, options, "conv1",
                      std::move(inputs), std::move(outputs));
}

OpUnderCheck conv_op(std::vector<TensorView> inputs, std::vector<TensorView> outputs) {
  return conv_op(std::move(inputs), std::move(outputs),
                 [](FlatBufferBuilder& fbb) { return fb::CreateConv2DOptions(fbb); });
}

TEST(CheckOp, AcceptsValidConvWithHalfWeights) {
  auto op = conv_op(
      {declared({1, 8, 8, 16}), declared({8, 3, 3, 16}, DType::F16), declared({8}, DType::BF16)},
      {declared({1, 6, 6, 8})});
  const Status status = op.check();
  EXPECT_TRUE(status.ok()) << status.message();
}

TEST(CheckOp, ConvWeightChannelsMessageNamesOpAndInput) {
  auto op = conv_op({declared({1, 8, 8, 16}), declared({8, 3, 3, 4})}, {declared({1, 6, 6, 8})});
  const Status status = op.check();
  EXPECT_EQ(status.code(), Code::kInvalidModel);
  EXPECT_STREQ(status.message(),
               "op 'conv1' (Conv2D): input 1 (weights) shape [8, 3, 3, 4] does not match 16 input "
               "channels / 1 groups");
}

TEST(CheckOp, ConvWrongOutputShape) {
  auto op = conv_op({declared({1, 8, 8, 16}), declared({8, 3, 3, 16})}, {declared({1, 8, 8, 8})});
  EXPECT_TRUE(rejected(op.check(), Code::kInvalidModel,
                       "output 0 shape [1, 8, 8, 8] does not match the expected [1, 6, 6, 8]"));
}

TEST(CheckOp, ConvBadOptionValues) {
  auto zero_stride =
      conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4})}, {declared({1, 6, 6, 4})},
              [](FlatBufferBuilder& fbb) { return fb::CreateConv2DOptions(fbb, 0, 1); });
  EXPECT_TRUE(rejected(zero_stride.check(), Code::kInvalidModel, "stride 0x1"));
  auto negative_pad =
      conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4})}, {declared({1, 6, 6, 4})},
              [](FlatBufferBuilder& fbb) { return fb::CreateConv2DOptions(fbb, 1, 1, 1, 1, -1); });
  EXPECT_TRUE(rejected(negative_pad.check(), Code::kInvalidModel, "must not be negative"));
  auto bad_groups = conv_op({declared({1, 8, 8, 4}), declared({3, 3, 3, 1})},
                            {declared({1, 6, 6, 3})}, [](FlatBufferBuilder& fbb) {
                              return fb::CreateConv2DOptions(fbb, 1, 1, 1, 1, 0, 0, 0, 0, 3);
                            });
  EXPECT_TRUE(rejected(bad_groups.check(), Code::kInvalidModel, "groups 3 does not divide"));
  auto bad_bias = conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4}), declared({5})},
                          {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(bad_bias.check(), Code::kInvalidModel, "input 2 (bias) shape [5]"));
}

TEST(CheckOp, MissingOrWrongOptions) {
  OpUnderCheck missing(fb::OpType::Conv2D, fb::OpOptions::Conv2DOptions, nullptr, "conv1",
                       {declared({1, 8, 8, 4}), declared({4, 3, 3, 4})}, {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(missing.check(), Code::kInvalidModel, "Conv2DOptions table is missing"));
  OpUnderCheck wrong(fb::OpType::Conv2D, fb::OpOptions::BinaryOptions,
                     [](FlatBufferBuilder& fbb) { return fb::CreateBinaryOptions(fbb); }, "conv1",
                     {declared({1, 8, 8, 4}), declared({4, 3, 3, 4})}, {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(wrong.check(), Code::kInvalidModel,
                       "options are BinaryOptions, expected Conv2DOptions"));
}

TEST(CheckOp, Dtypes) {
  auto int_input = conv_op({declared({1, 8, 8, 4}, DType::I8), declared({4, 3, 3, 4})},
                           {declared({1, 6, 6, 4})});
  EXPECT_TRUE(
      rejected(int_input.check(), Code::kInvalidModel, "input 0 is I8 without a per-tensor scale"));
  auto int_weights = conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4}, DType::I4)},
                             {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(int_weights.check(), Code::kInvalidModel,
                       "input 1 (weights) dtype I4 has no quantization scales"));
  auto int_bias = conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4}), declared({4}, DType::I8)},
                          {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(int_bias.check(), Code::kUnsupported, "input 2 (bias) dtype I8"));
  auto half_output = conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4})},
                             {declared({1, 6, 6, 4}, DType::F16)});
  EXPECT_TRUE(rejected(half_output.check(), Code::kUnsupported, "output 0 dtype F16"));
  auto invalid = conv_op({declared({1, 8, 8, 4}), declared({4, 3, 3, 4}, static_cast<DType>(42))},
                         {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(invalid.check(), Code::kInvalidModel, "invalid dtype 42"));
}

TEST(CheckOp, InputCounts) {
  auto one_input = conv_op({declared({1, 8, 8, 4})}, {declared({1, 6, 6, 4})});
  EXPECT_TRUE(rejected(one_input.check(), Code::kInvalidModel, "has 1 inputs, expected 2 to 3"));
  OpUnderCheck add(fb::OpType::Add, fb::OpOptions::BinaryOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateBinaryOptions(fbb); }, "",
                   {declared({2}), declared({2}), declared({2})}, {declared({2})});
  EXPECT_TRUE(rejected(add.check(), Code::kInvalidModel, "op Add: has 3 inputs, expected 2"));
}

TEST(CheckOp, HostileValuesDoNotCrash) {
  const int64_t big = int64_t{1} << 40;
  auto huge =
      conv_op({declared({big, big, 1, 1}), declared({1, 1, 1, 1})}, {declared({1, 1, 1, 1})});
  EXPECT_TRUE(rejected(huge.check(), Code::kInvalidModel, "too many elements"));
  auto wide_dilation = conv_op(
      {declared({1, 4, 4, 1}), declared({1, int64_t{1} << 33, 1, 1})}, {declared({1, 1, 4, 1})},
      [](FlatBufferBuilder& fbb) { return fb::CreateConv2DOptions(fbb, 1, 1, 2147483647, 1); });
  EXPECT_TRUE(
      rejected(wide_dilation.check(), Code::kInvalidModel, "does not fit the padded input"));
  auto negative =
      conv_op({declared({1, -4, 4, 1}), declared({1, 1, 1, 1})}, {declared({1, 1, 4, 1})});
  EXPECT_TRUE(rejected(negative.check(), Code::kInvalidModel, "negative dimension"));
  auto deep = conv_op({declared({1, 4, 4, 1}), declared({1, 1, 1, 1})}, {declared({1, 4, 4, 1})});
  deep.inputs()[0].shape.rank = 9;
  EXPECT_TRUE(rejected(deep.check(), Code::kInvalidModel, "rank 9"));

  auto op = conv_op({declared({1, 4, 4, 1}), declared({1, 1, 1, 1})}, {declared({1, 4, 4, 1})});
  const TensorView x = declared({1, 4, 4, 1});
  const TensorView* with_null[] = {&x, nullptr};
  const TensorView* outputs[] = {&x};
  OpSignature signature;
  signature.op = &op.op();
  signature.inputs = with_null;
  signature.num_inputs = 2;
  signature.outputs = outputs;
  signature.num_outputs = 1;
  EXPECT_TRUE(rejected(check_op(signature), Code::kInvalidModel, "input 1 (weights) is missing"));
  signature.inputs = nullptr;
  EXPECT_EQ(check_op(signature).code(), Code::kInvalidModel);
  signature.num_inputs = -5;
  EXPECT_EQ(check_op(signature).code(), Code::kInvalidModel);
  EXPECT_EQ(check_op(OpSignature()).code(), Code::kInvalidModel);
}

TEST(CheckOp, ActivationDisplayNameInUnnamedOpMessage) {
  OpUnderCheck relu(fb::OpType::Activation, fb::OpOptions::ActivationOptions,
                    [](FlatBufferBuilder& fbb) {
                      return fb::CreateActivationOptions(
                          fbb, fb::CreateActivation(fbb, fb::ActivationKind::Relu));
                    },
                    "", {declared({2, 3})}, {declared({3, 2})});
  EXPECT_STREQ(op_display_name(relu.op()), "Relu");
  EXPECT_TRUE(rejected(relu.check(), Code::kInvalidModel, "op Relu: output 0 shape [3, 2]"));
  OpUnderCheck bad_kind(fb::OpType::Activation, fb::OpOptions::ActivationOptions,
                        [](FlatBufferBuilder& fbb) {
                          return fb::CreateActivationOptions(
                              fbb, fb::CreateActivation(fbb, static_cast<fb::ActivationKind>(99)));
                        },
                        "act", {declared({2})}, {declared({2})});
  EXPECT_TRUE(rejected(bad_kind.check(), Code::kInvalidModel, "activation kind 99"));
  EXPECT_STREQ(op_type_name(static_cast<fb::OpType>(999)), "unknown op");
}

OpUnderCheck pool_op(int64_t width, int64_t out_width, int kernel, int stride, int pad_left,
                     int pad_right) {
  return OpUnderCheck(fb::OpType::AveragePool2D, fb::OpOptions::Pool2DOptions,
                      [=](FlatBufferBuilder& fbb) {
                        return fb::CreatePool2DOptions(fbb, 1, kernel, 1, stride, 1, 1, 0, pad_left,
                                                       0, pad_right);
                      },
                      "pool", {declared({1, 1, width, 2})}, {declared({1, 1, out_width, 2})});
}

TEST(CheckOp, PoolCeilMode) {
  EXPECT_TRUE(pool_op(4, 2, 3, 2, 1, 1).check().ok());  // floor
  EXPECT_TRUE(pool_op(4, 3, 3, 2, 1, 1).check().ok());  // ceil: last window starts at column 3
  EXPECT_TRUE(rejected(pool_op(4, 4, 3, 2, 1, 1).check(), Code::kInvalidModel,
                       "does not match the expected [1, 1, 2, 2]"));
  // Kernel 2, stride 2, no padding on width 4: a third window would start at column 4, outside.
  EXPECT_TRUE(pool_op(4, 2, 2, 2, 0, 0).check().ok());
  EXPECT_FALSE(pool_op(4, 3, 2, 2, 0, 0).check().ok());
}

TEST(CheckOp, BinaryAndMatMulBroadcasting) {
  auto binary = [](std::vector<TensorView> in, TensorView out) {
    return OpUnderCheck(fb::OpType::Mul, fb::OpOptions::BinaryOptions,
                        [](FlatBufferBuilder& fbb) { return fb::CreateBinaryOptions(fbb); }, "mul",
                        std::move(in), {out});
  };
  EXPECT_TRUE(binary({declared({2, 1, 3}), declared({4, 1})}, declared({2, 4, 3})).check().ok());
  EXPECT_TRUE(rejected(binary({declared({2, 3}), declared({2})}, declared({2, 3})).check(),
                       Code::kInvalidModel, "input 1 (b) shape [2] does not broadcast"));
  EXPECT_FALSE(binary({declared({2, 3}), declared({3})}, declared({3, 3})).check().ok());

  auto matmul = [](std::vector<TensorView> in, TensorView out) {
    return OpUnderCheck(fb::OpType::MatMul, fb::OpOptions::MatMulOptions,
                        [](FlatBufferBuilder& fbb) { return fb::CreateMatMulOptions(fbb); }, "mm",
                        std::move(in), {out});
  };
  EXPECT_TRUE(
      matmul({declared({2, 1, 2, 3}), declared({3, 3, 2}, DType::F16)}, declared({2, 3, 2, 2}))
          .check()
          .ok());
  EXPECT_TRUE(matmul({declared({3}), declared({3})}, declared({})).check().ok());
  EXPECT_TRUE(rejected(matmul({declared({2, 3}), declared({2, 2})}, declared({2, 2})).check(),
                       Code::kInvalidModel, "inner dimensions 3 and 2 differ"));
}

TEST(CheckOp, ShapeOps) {
  auto transpose = OpUnderCheck(fb::OpType::Transpose, fb::OpOptions::TransposeOptions,
                                [](FlatBufferBuilder& fbb) {
                                  const std::vector<int32_t> perm = {0, 2, 2};
                                  return fb::CreateTransposeOptionsDirect(fbb, &perm);
                                },
                                "t", {declared({2, 3, 4})}, {declared({2, 4, 4})});
  EXPECT_TRUE(rejected(transpose.check(), Code::kInvalidModel, "not a permutation"));
  auto no_perm =
      OpUnderCheck(fb::OpType::Transpose, fb::OpOptions::TransposeOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateTransposeOptions(fbb); }, "t",
                   {declared({2, 3})}, {declared({3, 2})});
  EXPECT_TRUE(rejected(no_perm.check(), Code::kInvalidModel, "perm has 0 entries"));

  auto pad = [](std::vector<int64_t> pads, fb::PadMode mode, TensorView out) {
    return OpUnderCheck(
        fb::OpType::Pad, fb::OpOptions::PadOptions,
        [&](FlatBufferBuilder& fbb) { return fb::CreatePadOptionsDirect(fbb, &pads, mode); }, "pad",
        {declared({2, 3})}, {out});
  };
  EXPECT_TRUE(pad({1, 2, 1, 2}, fb::PadMode::Reflect, declared({4, 7})).check().ok());
  EXPECT_TRUE(rejected(pad({1, 2}, fb::PadMode::Constant, declared({3, 5})).check(),
                       Code::kInvalidModel, "pads has 2 entries"));
  EXPECT_TRUE(rejected(pad({2, 0, 0, 0}, fb::PadMode::Reflect, declared({4, 3})).check(),
                       Code::kInvalidModel, "reflect pads for axis 0"));
  EXPECT_TRUE(rejected(pad({-1, 0, 0, 0}, fb::PadMode::Constant, declared({1, 3})).check(),
                       Code::kInvalidModel, "must not be negative"));

  auto slice = [](std::vector<int64_t> starts, std::vector<int64_t> steps, TensorView out) {
    return OpUnderCheck(
        fb::OpType::Slice, fb::OpOptions::SliceOptions,
        [&](FlatBufferBuilder& fbb) { return fb::CreateSliceOptionsDirect(fbb, &starts, &steps); },
        "slice", {declared({10})}, {out});
  };
  EXPECT_TRUE(slice({8}, {-3}, declared({3})).check().ok());
  EXPECT_TRUE(rejected(slice({8}, {-3}, declared({4})).check(), Code::kInvalidModel,
                       "reads outside input 0 shape [10] along axis 0 (start 8, step -3)"));
  EXPECT_TRUE(
      rejected(slice({0}, {0}, declared({1})).check(), Code::kInvalidModel, "steps[0] is 0"));
  EXPECT_FALSE(slice({10}, {1}, declared({1})).check().ok());
  EXPECT_FALSE(slice({0}, {int64_t{1} << 62}, declared({5})).check().ok());

  auto concat =
      OpUnderCheck(fb::OpType::Concat, fb::OpOptions::ConcatOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateConcatOptions(fbb, 1); }, "cat",
                   {declared({2, 1, 2}), declared({3, 2, 2})}, {declared({2, 3, 2})});
  EXPECT_TRUE(
      rejected(concat.check(), Code::kInvalidModel, "input 1 shape [3, 2, 2] does not match"));
  auto concat_axis =
      OpUnderCheck(fb::OpType::Concat, fb::OpOptions::ConcatOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateConcatOptions(fbb, 3); }, "cat",
                   {declared({2, 1, 2})}, {declared({2, 1, 2})});
  EXPECT_TRUE(rejected(concat_axis.check(), Code::kInvalidModel, "axis 3 is out of range"));

  auto reshape = OpUnderCheck(fb::OpType::Reshape, fb::OpOptions::ReshapeOptions,
                              [](FlatBufferBuilder& fbb) { return fb::CreateReshapeOptions(fbb); },
                              "r", {declared({2, 3})}, {declared({7})});
  EXPECT_TRUE(rejected(reshape.check(), Code::kInvalidModel, "does not have the 6 elements"));
}

TEST(CheckOp, ReductionsAndNormalization) {
  auto unsorted = OpUnderCheck(fb::OpType::ReduceMean, fb::OpOptions::ReduceMeanOptions,
                               [](FlatBufferBuilder& fbb) {
                                 const std::vector<int32_t> axes = {2, 1};
                                 return fb::CreateReduceMeanOptionsDirect(fbb, &axes);
                               },
                               "rm", {declared({2, 3, 4})}, {declared({2, 1, 1})});
  EXPECT_TRUE(rejected(unsorted.check(), Code::kInvalidModel, "axes[1] = 1"));
  auto no_axes =
      OpUnderCheck(fb::OpType::ReduceMean, fb::OpOptions::ReduceMeanOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateReduceMeanOptions(fbb); }, "rm",
                   {declared({2, 3})}, {declared({1, 1})});
  EXPECT_TRUE(rejected(no_axes.check(), Code::kInvalidModel, "axes are missing"));
  auto reduce_ok = OpUnderCheck(fb::OpType::ReduceMean, fb::OpOptions::ReduceMeanOptions,
                                [](FlatBufferBuilder& fbb) {
                                  const std::vector<int32_t> axes = {0, 2};
                                  return fb::CreateReduceMeanOptionsDirect(fbb, &axes, false);
                                },
                                "rm", {declared({2, 3, 4})}, {declared({3})});
  EXPECT_TRUE(reduce_ok.check().ok());

  auto softmax =
      OpUnderCheck(fb::OpType::Softmax, fb::OpOptions::SoftmaxOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateSoftmaxOptions(fbb, -1); }, "sm",
                   {declared({2, 3})}, {declared({2, 3})});
  EXPECT_TRUE(rejected(softmax.check(), Code::kInvalidModel, "axis -1 is out of range [0, 2)"));

  auto bn = OpUnderCheck(
      fb::OpType::BatchNorm, fb::OpOptions::BatchNormOptions,
      [](FlatBufferBuilder& fbb) { return fb::CreateBatchNormOptions(fbb, 1e-5f, 3); }, "bn",
      {declared({1, 4, 4, 8}), declared({8}), declared({8}, DType::F16), declared({4}),
       declared({8})},
      {declared({1, 4, 4, 8})});
  EXPECT_TRUE(rejected(bn.check(), Code::kInvalidModel,
                       "input 3 (mean) shape [4] does not match 8 channels along axis 3"));

  auto fc =
      OpUnderCheck(fb::OpType::FullyConnected, fb::OpOptions::FullyConnectedOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateFullyConnectedOptions(fbb); },
                   "fc", {declared({2, 5}), declared({3, 4})}, {declared({2, 3})});
  EXPECT_TRUE(rejected(fc.check(), Code::kInvalidModel, "input 1 (weights) shape [3, 4]"));

  auto gap =
      OpUnderCheck(fb::OpType::GlobalAveragePool, fb::OpOptions::GlobalAveragePoolOptions,
                   [](FlatBufferBuilder& fbb) { return fb::CreateGlobalAveragePoolOptions(fbb); },
                   "gap", {declared({1, 7, 7, 32})}, {declared({1, 32})});
  EXPECT_TRUE(rejected(gap.check(), Code::kInvalidModel, "expected [1, 1, 1, 32]"));
}

// ---- backend ------------------------------------------------------------------------------------

TEST(ReferenceBackend, NameAvailabilityAndBadPrepare) {
  Backend* backend = reference_backend();
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend, reference_backend());
  EXPECT_STREQ(backend->name(), "reference");
  EXPECT_TRUE(backend->availability().ok());
  auto program = backend->prepare(PrepareContext(), nullptr, 0);
  EXPECT_EQ(program.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sprig
