// The CPU backend's own depthwise convolution against the reference kernel, for every kernel
// variant this machine can run (scalar always; AVX2+FMA or NEON when present), on shapes that hit
// every edge: channel counts off the vector width, 1x1 images, stride 2, asymmetric and large
// pads, dilation, multiplier 2, F16/BF16 weights, fused clamps and fused activations.
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/ops/op_factories.h"
#include "backends/cpu/ops/own_ops.h"
#include "backends/reference/kernels/conv2d.h"

namespace sprig::cpu {
namespace {

std::vector<std::pair<std::string, CpuFeatures>> variants() {
  std::vector<std::pair<std::string, CpuFeatures>> result = {{"scalar", CpuFeatures()}};
  const CpuFeatures& machine = cpu_features();
  if (machine.avx2_fma) {
    CpuFeatures f;
    f.avx2_fma = true;
    result.push_back({"avx2_fma", f});
  }
  if (machine.neon && machine.neon_fma) {
    CpuFeatures f;
    f.neon = f.neon_fma = true;
    result.push_back({"neon", f});
  }
  return result;
}

pthreadpool_t test_pool() {
  static pthreadpool_t pool = pthreadpool_create(3);
  return pool;
}

std::vector<float> normal(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TensorView view(DType dtype, std::vector<int64_t> dims, void* data) {
  TensorView t;
  t.dtype = dtype;
  for (int64_t d : dims) t.shape.dims[t.shape.rank++] = d;
  t.data = data;
  return t;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  int failures = 0;
  for (size_t i = 0; i < got.size() && failures < 10; ++i) {
    const float a = got[i], b = want[i];
    if ((std::isnan(b) && std::isnan(a)) || a == b) continue;
    if (!(std::fabs(a - b) <= 2e-5f + 2e-4f * std::fabs(b))) {
      ADD_FAILURE() << "element " << i << ": got " << a << ", want " << b;
      ++failures;
    }
  }
}

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
  std::vector<uint16_t> w16(wf.size()), b16(bf.size());
  auto narrow = [&](std::vector<float>& f, std::vector<uint16_t>& h) {
    for (size_t i = 0; i < f.size(); ++i) {
      if (k.wtype == DType::F16) {
        h[i] = f32_to_f16(f[i]);
        f[i] = f16_to_f32(h[i]);
      } else if (k.wtype == DType::BF16) {
        h[i] = f32_to_bf16(f[i]);
        f[i] = bf16_to_f32(h[i]);
      }
    }
  };
  narrow(wf, w16);
  narrow(bf, b16);
  const bool f32 = k.wtype == DType::F32;

  flatbuffers::FlatBufferBuilder fbb;
  const auto act = fb::CreateActivation(fbb, k.fused, k.alpha, k.beta);
  const auto options =
      fb::CreateConv2DOptions(fbb, k.sh, k.sw, k.dh, k.dw, k.pt, k.pl, k.pb, k.pr, k.c, act);
  fbb.Finish(
      fb::CreateOp(fbb, fb::OpType::Conv2D, 0, 0, fb::OpOptions::Conv2DOptions, options.Union()));
  const fb::Op* op = flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer());

  const TensorView xv = view(DType::F32, {k.n, k.h, k.w, k.c}, x.data());
  const TensorView wv = view(k.wtype, {o, k.kh, k.kw, 1},
                             f32 ? static_cast<void*>(wf.data()) : static_cast<void*>(w16.data()));
  const TensorView bv =
      view(k.wtype, {o}, f32 ? static_cast<void*>(bf.data()) : static_cast<void*>(b16.data()));
  const TensorView wref = view(DType::F32, {o, k.kh, k.kw, 1}, wf.data());
  const TensorView bref = view(DType::F32, {o}, bf.data());
  std::vector<float> want(static_cast<size_t>(k.n) * oh * ow * o, 0.0f);
  const TensorView yref = view(DType::F32, {k.n, oh, ow, o}, want.data());
  ASSERT_TRUE(reference::f32_conv2d_nhwc__ref(xv, wref, k.bias ? &bref : nullptr,
                                              *op->options_as_Conv2DOptions(), yref)
                  .ok());

  for (const auto& [name, features] : variants()) {
    SCOPED_TRACE(name);
    std::vector<float> got(want.size(), -12345.0f);
    const TensorView yv = view(DType::F32, {k.n, oh, ow, o}, got.data());
    const TensorView* inputs[3] = {&xv, &wv, &bv};
    const TensorView* outputs[1] = {&yv};
    OpSignature sig;
    sig.op = op;
    sig.inputs = inputs;
    sig.num_inputs = k.bias ? 3 : 2;
    sig.outputs = outputs;
    sig.num_outputs = 1;
    ASSERT_TRUE(check_op(sig).ok()) << check_op(sig).message();
    ASSERT_TRUE(depthwise_conv2d_supported(sig));
    CpuOpContext context;
    context.features = features;
    context.num_threads = 4;
    std::unique_ptr<CpuOp> cpu_op;
    OutputClamp clamp;
    if (activation_as_clamp(op->options_as_Conv2DOptions()->fused(), &clamp)) {
      auto created = create_depthwise_conv2d_op(sig, clamp, context);
      ASSERT_TRUE(created.ok()) << created.status().message();
      cpu_op = std::move(created.value());
    } else {
      auto created = create_own_op(sig, context);  // the op plus its activation pass
      ASSERT_TRUE(created.ok()) << created.status().message();
      cpu_op = std::move(created.value());
    }
    std::vector<unsigned char> scratch(cpu_op->scratch_bytes() + 64);
    cpu_op->run(scratch.data(), test_pool());
    expect_close(got, want);
    std::fill(got.begin(), got.end(), -12345.0f);
    cpu_op->run(scratch.data(), nullptr);
    expect_close(got, want);
  }
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
