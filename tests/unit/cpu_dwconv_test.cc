// The CPU backend's own depthwise convolution against the reference kernel, for every kernel
// variant this machine can run (scalar always; AVX2+FMA or NEON when present), on shapes that hit
// every edge: channel counts off the vector width, 1x1 images, stride 2, asymmetric and large
// pads, dilation, multiplier 2, F16/BF16 weights, fused clamps and fused activations.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "backends/cpu/ops/op_factories.h"
#include "backends/cpu/ops/own_ops.h"
#include "backends/reference/kernels/conv2d.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

struct DwCase {
  int n, h, w, c;
  int kh, kw;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
  int multiplier = 1;
  bool bias = true;
  DType wtype = DType::F32;
  fb::ActivationKind fused = fb::ActivationKind::None;
  float alpha = 0.0f, beta = 0.0f;
};

std::string describe(const DwCase& k) {
  char buf[200];
  std::snprintf(buf, sizeof(buf), "%dx%dx%dx%d k%dx%d s%d,%d d%d,%d p%d,%d,%d,%d m%d w%s", k.n, k.h,
                k.w, k.c, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.pt, k.pl, k.pb, k.pr, k.multiplier,
                dtype_name(k.wtype));
  return buf;
}

void check_case(const DwCase& k) {
  SCOPED_TRACE(describe(k));
  const int o = k.c * k.multiplier;
  const int oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1;
  const int ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1;
  std::vector<float> x = normal(static_cast<size_t>(k.n) * k.h * k.w * k.c, 1);
  std::vector<float> wf = normal(static_cast<size_t>(o) * k.kh * k.kw, 2);
  std::vector<float> bf = normal(static_cast<size_t>(o), 3);
  // Stored weights (F16/BF16 rounded), and their exact F32 values for the reference.
  const std::vector<uint16_t> w16 = narrow(k.wtype, &wf), b16 = narrow(k.wtype, &bf);
  const bool f32 = k.wtype == DType::F32;

  OpBuffer op(fb::OpType::Conv2D, fb::OpOptions::Conv2DOptions,
              [&](flatbuffers::FlatBufferBuilder& fbb) {
                const auto act = fb::CreateActivation(fbb, k.fused, k.alpha, k.beta);
                return fb::CreateConv2DOptions(fbb, k.sh, k.sw, k.dh, k.dw, k.pt, k.pl, k.pb, k.pr,
                                               k.c, act);
              });
  const fb::Conv2DOptions& options = *op.op->options_as_Conv2DOptions();

  const TensorView xv = view(DType::F32, {k.n, k.h, k.w, k.c}, x.data());
  const TensorView wv =
      view(k.wtype, {o, k.kh, k.kw, 1}, f32 ? static_cast<const void*>(wf.data()) : w16.data());
  const TensorView bv = view(k.wtype, {o}, f32 ? static_cast<const void*>(bf.data()) : b16.data());
  const TensorView wref = view(DType::F32, {o, k.kh, k.kw, 1}, wf.data());
  const TensorView bref = view(DType::F32, {o}, bf.data());
  std::vector<float> want(static_cast<size_t>(k.n) * oh * ow * o, 0.0f);
  const TensorView yref = view(DType::F32, {k.n, oh, ow, o}, want.data());
  ASSERT_TRUE(
      reference::f32_conv2d_nhwc__ref(xv, wref, k.bias ? &bref : nullptr, options, yref).ok());

  std::vector<float> got(want.size());
  const TensorView yv = view(DType::F32, {k.n, oh, ow, o}, got.data());
  const TensorView* inputs[3] = {&xv, &wv, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, k.bias ? 3 : 2, outputs, 1};
  ASSERT_TRUE(depthwise_conv2d_supported(sig));
  // A clamp is fused into the kernel; other activations need create_own_op's activation pass.
  OutputClamp clamp;
  const bool clamps = activation_as_clamp(options.fused(), &clamp);
  run_variants(sig, &got, want, [&](const OpSignature& s, const CpuOpContext& context) {
    return clamps ? create_depthwise_conv2d_op(s, clamp, context) : create_own_op(s, context);
  });
}

TEST(CpuDwConv, ThreeByThreeStride1) {
  check_case({1, 12, 12, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});
  check_case({1, 9, 11, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});
  check_case({1, 7, 6, 3, 3, 3});                             // no padding, 3 channels
  check_case({2, 8, 9, 5, 3, 3, 1, 1, 1, 1, 0, 2, 2, 0});     // asymmetric pads, batch 2
  check_case({1, 56, 56, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});  // parallel tiles
}

TEST(CpuDwConv, ThreeByThreeStride2) {
  check_case({1, 13, 13, 21, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1});  // TF "SAME": pads after
  check_case({1, 14, 15, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1});
  check_case({1, 28, 28, 144, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1});
}

TEST(CpuDwConv, FiveByFive) {
  check_case({1, 10, 10, 13, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2});
  check_case({1, 11, 12, 40, 5, 5, 2, 2, 1, 1, 1, 1, 2, 2});
  check_case({1, 14, 14, 48, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2});
  check_case({1, 3, 2, 9, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2});  // image narrower than the kernel
}

TEST(CpuDwConv, OneByOneImage) {
  check_case({1, 1, 1, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});
  check_case({1, 1, 1, 24, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2});
  check_case({1, 1, 1, 7, 1, 1});
}

TEST(CpuDwConv, GeneralKernels) {
  check_case({1, 9, 13, 10, 3, 5, 2, 3, 2, 1, 2, 1, 0, 3});  // stride 3, dilation 2
  check_case({1, 12, 12, 17, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3});
  check_case({1, 12, 12, 9, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2});  // dilated 3x3
  check_case({1, 10, 10, 8, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1});  // stride_h 3, stride_w 1
  check_case({1, 8, 8, 12, 2, 2, 1, 1});
}

TEST(CpuDwConv, Multiplier) {
  DwCase k{1, 7, 8, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  k.multiplier = 2;
  check_case(k);
  k.sh = k.sw = 2;
  k.multiplier = 3;
  check_case(k);
}

TEST(CpuDwConv, NarrowWeightsAndNoBias) {
  DwCase k{1, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  k.wtype = DType::F16;
  check_case(k);
  k.wtype = DType::BF16;
  check_case(k);
  k.wtype = DType::F16;
  k.kh = k.kw = 5;
  k.pt = k.pl = k.pb = k.pr = 2;
  check_case(k);
  k.wtype = DType::F32;
  k.bias = false;
  check_case(k);
}

TEST(CpuDwConv, FusedActivations) {
  DwCase k{1, 10, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  k.fused = fb::ActivationKind::Relu;
  check_case(k);
  k.fused = fb::ActivationKind::Clip;
  k.alpha = 0.0f;
  k.beta = 1.0f;
  check_case(k);
  k.fused = fb::ActivationKind::HardSwish;
  check_case(k);
  k.kh = k.kw = 5;
  k.pt = k.pl = k.pb = k.pr = 2;
  k.fused = fb::ActivationKind::Silu;
  check_case(k);
}

}  // namespace
}  // namespace sprig::cpu
