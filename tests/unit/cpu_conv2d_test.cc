// Our Conv2D op (pointwise GEMM, Winograd F(4x4,3x3) and F(2x2,3x3), im2col + GEMM) on the
// scalar kernels and
// on this machine's SIMD kernels, 1 and 2 threads, against the reference kernel, within the
// conformance bound |a - b| <= 2e-5 + 2e-4 |b| on N(0,1) inputs (weights N(0, 1/taps)).
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/conv2d.h"
#include "runtime/core/aligned_buffer.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

constexpr float kInf = std::numeric_limits<float>::infinity();

struct ConvCase {
  const char* what;
  int n, h, w, c, o, kh, kw;
  int stride_h, stride_w, dilation_h, dilation_w;
  int pad_top, pad_left, pad_bottom, pad_right;
  int groups;
  int bias;  // 0: absent (2 inputs), 1: present, 2: input slot present but null
  DType weight_dtype;
  float min, max;
};

enum class Path { kAuto, kWinogradF2x2, kWinogradF4x4 };

// Returns the worst |a - b| / (2e-5 + 2e-4 |b|) (fails the test when above 1). kAuto: the path
// create_conv2d_op picks; otherwise Winograd with that tile.
double check_conv(const ConvCase& t, const CpuFeatures& features, pthreadpool_t pool, int threads,
                  Path path = Path::kAuto) {
  const int oh = (t.h + t.pad_top + t.pad_bottom - t.dilation_h * (t.kh - 1) - 1) / t.stride_h + 1;
  const int ow = (t.w + t.pad_left + t.pad_right - t.dilation_w * (t.kw - 1) - 1) / t.stride_w + 1;
  const int cg = t.c / t.groups;
  std::vector<float> x = normal(static_cast<size_t>(t.n) * t.h * t.w * t.c, 21);
  // Scaled as the conformance suite's cases (tests/conformance/make_cases.py) are: outputs ~N(0,1).
  std::vector<float> w = normal(static_cast<size_t>(t.o) * t.kh * t.kw * cg, 22,
                                1.0f / std::sqrt(static_cast<float>(t.kh * t.kw * cg)));
  std::vector<float> bias = normal(static_cast<size_t>(t.o), 23, 0.5f);
  std::vector<uint16_t> w16 = narrow(t.weight_dtype, &w);
  const size_t y_size = static_cast<size_t>(t.n) * oh * ow * t.o;
  std::vector<float> y(y_size, 12345.0f), want(y_size, 0.0f);
  TensorView xv{DType::F32, shape_of({t.n, t.h, t.w, t.c}), x.data(), nullptr};
  TensorView wv{t.weight_dtype, shape_of({t.o, t.kh, t.kw, cg}),
                t.weight_dtype == DType::F32 ? static_cast<void*>(w.data()) : w16.data(), nullptr};
  TensorView wf{DType::F32, shape_of({t.o, t.kh, t.kw, cg}), w.data(), nullptr};
  TensorView bv{DType::F32, shape_of({t.o}), bias.data(), nullptr};
  TensorView yv{DType::F32, shape_of({t.n, oh, ow, t.o}), y.data(), nullptr};
  TensorView wantv{DType::F32, shape_of({t.n, oh, ow, t.o}), want.data(), nullptr};

  flatbuffers::FlatBufferBuilder fbb;
  const auto options =
      fb::CreateConv2DOptions(fbb, t.stride_h, t.stride_w, t.dilation_h, t.dilation_w, t.pad_top,
                              t.pad_left, t.pad_bottom, t.pad_right, t.groups);
  const std::vector<int32_t> in_ids = {0, 1, 2}, out_ids = {3};
  fbb.Finish(fb::CreateOp(fbb, fb::OpType::Conv2D, fbb.CreateVector(in_ids),
                          fbb.CreateVector(out_ids), fb::OpOptions::Conv2DOptions,
                          options.Union()));
  const fb::Op* op = flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer());
  const TensorView* inputs[3] = {&xv, &wv, t.bias == 1 ? &bv : nullptr};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op, inputs, t.bias == 0 ? 2 : 3, outputs, 1};

  EXPECT_TRUE(conv2d_supported(sig));
  const CpuOpContext context{features, threads};
  const OutputClamp clamp{t.min, t.max};
  Result<std::unique_ptr<CpuOp>> created =
      path == Path::kAuto ? create_conv2d_op(sig, clamp, context)
                          : create_winograd_conv2d_op(sig, clamp, context,
                                                      path == Path::kWinogradF2x2
                                                          ? WinogradTile::kF2x2
                                                          : WinogradTile::kF4x4);
  EXPECT_TRUE(created.ok()) << created.status().message();
  if (!created.ok()) return 0.0;
  AlignedBuffer scratch;
  EXPECT_TRUE(scratch.allocate((*created)->scratch_bytes()));
  (*created)->run(scratch.data(), pool);

  EXPECT_TRUE(reference::f32_conv2d_nhwc__ref(xv, wf, t.bias == 1 ? &bv : nullptr,
                                              *op->options_as_Conv2DOptions(), wantv)
                  .ok());
  double worst = 0.0;
  size_t bad = 0;
  for (size_t i = 0; i < y_size; ++i) {
    const float b = std::fmin(std::fmax(want[i], t.min), t.max);
    const double ratio = std::fabs(double(y[i]) - b) / (2e-5 + 2e-4 * std::fabs(b));
    if (!(ratio <= 1.0) && bad++ < 5)
      ADD_FAILURE() << "at " << i << " got " << y[i] << " want " << b;
    if (ratio > worst || std::isnan(ratio)) worst = ratio;
  }
  EXPECT_EQ(bad, 0u);
  return worst;
}

void check_everywhere(const ConvCase& t, Path path = Path::kAuto) {
  pthreadpool_t pool = pthreadpool_create(2);
  const CpuFeatures scalar;
  for (int threads : {1, 2}) {
    pthreadpool_t p = threads > 1 ? pool : nullptr;
    {
      SCOPED_TRACE(::testing::Message() << t.what << " scalar threads=" << threads);
      check_conv(t, scalar, p, threads, path);
    }
    {
      SCOPED_TRACE(::testing::Message() << t.what << " native threads=" << threads);
      check_conv(t, cpu_features(), p, threads, path);
    }
  }
  pthreadpool_destroy(pool);
}

// clang-format off
// Cases: what, n h w c o, kh kw, stride h w, dilation h w, pads top left bottom right, groups,
// bias (0 absent, 1 present, 2 null input), weight dtype, clamp min max.
TEST(CpuConv2D, Pointwise) {
  check_everywhere({"1x1", 1, 5, 7, 13, 21, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"1x1 C=1 O=1", 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, DType::F32, -kInf, kInf});
  check_everywhere({"1x1 K=1", 1, 4, 4, 1, 17, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, DType::F32, -kInf, kInf});
  check_everywhere({"1x1 N=1 batch2", 2, 6, 5, 70, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, DType::F16, -kInf, kInf});
  check_everywhere({"1x1 groups 4 clamp", 1, 6, 6, 32, 24, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 4, 1, DType::F32, 0.0f, 6.0f});
  check_everywhere({"1x1 deep K", 1, 7, 7, 600, 40, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"1x1 stride 2", 2, 9, 8, 16, 24, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"1x1 padded", 1, 4, 5, 8, 8, 1, 1, 1, 1, 1, 1, 1, 0, 2, 1, 1, 1, DType::BF16, -kInf, kInf});
}

// Both tiles on every case, whichever create_conv2d_op would pick.
void check_winograd(const ConvCase& t) {
  check_everywhere(t, Path::kWinogradF2x2);
  check_everywhere(t, Path::kWinogradF4x4);
}

TEST(CpuConv2D, Winograd3x3) {
  check_winograd({"3x3 same", 1, 8, 8, 16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -kInf, kInf});
  check_winograd({"3x3 odd sizes", 2, 11, 9, 13, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -kInf, kInf});
  check_winograd({"3x3 valid", 1, 10, 7, 8, 9, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, DType::F32, -kInf, kInf});
  check_winograd({"3x3 asym pads", 1, 6, 13, 9, 8, 3, 3, 1, 1, 1, 1, 0, 2, 2, 1, 1, 2, DType::F16, -kInf, kInf});
  check_winograd({"3x3 clamp", 1, 5, 5, 24, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -1.0f, 1.0f});
  check_winograd({"3x3 channel ranges", 1, 6, 7, 16, 150, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -2.0f, 2.0f});
  check_winograd({"3x3 big pads", 2, 5, 6, 8, 10, 3, 3, 1, 1, 1, 1, 3, 0, 2, 4, 1, 1, DType::F32, -kInf, kInf});
  check_winograd({"3x3 tiny image", 1, 1, 2, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -kInf, kInf});
}

// Small images with many channels pick F(2x2, 3x3) (ResNet's 7x7x512 layers).
TEST(CpuConv2D, WinogradSmallImageManyChannels) {
  check_everywhere({"7x7x160", 1, 7, 7, 160, 144, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, 0.0f, kInf});
}

TEST(CpuConv2D, Im2col) {
  check_everywhere({"3x3 few channels", 1, 9, 9, 3, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"3x3 stride 2", 2, 11, 10, 12, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, 0.0f, kInf});
  check_everywhere({"3x3 dilation 2", 1, 12, 11, 10, 9, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0, DType::F32, -kInf, kInf});
  check_everywhere({"mixed stride/dilation/asym", 1, 13, 9, 6, 7, 3, 2, 2, 3, 2, 1, 2, 0, 1, 3, 1, 1, DType::F16, -kInf, kInf});
  check_everywhere({"3x3 groups 2", 2, 7, 7, 16, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, DType::F32, -kInf, kInf});
  check_everywhere({"3x3 groups 4 stride 2", 1, 9, 9, 16, 8, 3, 3, 2, 2, 1, 1, 1, 0, 0, 1, 4, 2, DType::BF16, -kInf, kInf});
  check_everywhere({"5x5 pads", 1, 8, 8, 4, 6, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"7x7 stride 2 stem", 1, 20, 20, 3, 16, 7, 7, 2, 2, 1, 1, 3, 3, 3, 3, 1, 1, DType::F32, 0.0f, kInf});
  check_everywhere({"windows in the padding", 1, 3, 4, 5, 6, 3, 2, 1, 2, 1, 1, 4, 1, 1, 3, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"big pads groups 2", 1, 4, 3, 6, 4, 2, 3, 1, 1, 1, 2, 2, 5, 3, 1, 2, 1, DType::F32, -kInf, kInf});
  check_everywhere({"1x3 groups 2 O=2", 1, 5, 6, 4, 2, 1, 3, 1, 1, 1, 1, 0, 1, 0, 1, 2, 0, DType::F32, -kInf, kInf});
}

// Enough work for several scratch chunks (one parallel call each) and several Winograd blocks.
TEST(CpuConv2D, SeveralChunks) {
  check_everywhere({"winograd chunks", 1, 64, 62, 64, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -kInf, kInf});
  check_everywhere({"im2col chunks", 2, 64, 64, 64, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, DType::F32, -kInf, kInf});
}

// clang-format on

// ~9*64 taps and deeper: Winograd must stay within the conformance bound.
TEST(CpuConv2D, WinogradAccuracyAtConformanceDepth) {
  for (int c : {64, 128, 256}) {
    const ConvCase t{"deep 3x3", 1, 12, 12, c, 32, 3, 3,          1,     1,   1,
                     1,          1, 1,  1,  1, 1,  1, DType::F32, -kInf, kInf};
    for (Path path : {Path::kWinogradF2x2, Path::kWinogradF4x4}) {
      const double scalar = check_conv(t, CpuFeatures(), nullptr, 1, path);
      const double native = check_conv(t, cpu_features(), nullptr, 1, path);
      std::printf("%s C=%d worst error / bound: scalar %.3f native %.3f\n",
                  path == Path::kWinogradF2x2 ? "F(2x2,3x3)" : "F(4x4,3x3)", c, scalar, native);
    }
  }
}

TEST(CpuConv2D, DepthwiseIsNotOurs) {
  std::vector<float> x(1 * 4 * 4 * 8), w(8 * 3 * 3 * 1), y(1 * 4 * 4 * 8);
  TensorView xv{DType::F32, shape_of({1, 4, 4, 8}), x.data(), nullptr};
  TensorView wv{DType::F32, shape_of({8, 3, 3, 1}), w.data(), nullptr};
  TensorView yv{DType::F32, shape_of({1, 4, 4, 8}), y.data(), nullptr};
  const OpBuffer op(fb::OpType::Conv2D, fb::OpOptions::Conv2DOptions,
                    [](flatbuffers::FlatBufferBuilder& fbb) {
                      return fb::CreateConv2DOptions(fbb, 1, 1, 1, 1, 1, 1, 1, 1, 8);
                    });
  const TensorView* inputs[2] = {&xv, &wv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 2, outputs, 1};
  EXPECT_FALSE(conv2d_supported(sig));
  EXPECT_FALSE(conv2d_prefers_own(sig, CpuOpContext{cpu_features(), 1}));
  EXPECT_EQ(create_conv2d_op(sig, OutputClamp(), CpuOpContext()).status().code(),
            Code::kUnsupported);
}

}  // namespace
}  // namespace sprig::cpu
