// Our int8 Conv2D and FullyConnected (int8_ops.cc and the GEMM, Winograd and depthwise paths it
// picks, and each GEMM form and Winograd tile where they apply) on the scalar kernels and on this machine's SIMD kernels, with and without a thread pool,
// give the bytes of the reference int8 kernels, on shapes that leave row, channel and panel tails,
// odd channel counts, padding on every side, strides, dilation, fused ranges and the extreme zero
// points (inputs minus zero point spanning -255..255).
#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/cpu/ops/op_factories.h"
#include "backends/cpu/ops/own_ops.h"
#include "backends/reference/kernels/int8.h"
#include "runtime/core/aligned_buffer.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

struct Int8ConvCase {
  const char* what;
  int n, h, w, c, o, kh, kw;
  int stride, dilation;
  int pad_top, pad_left, pad_bottom, pad_right;
  int groups;
  int32_t x_zero, y_zero;
  fb::ActivationKind fused = fb::ActivationKind::None;
  bool fully_connected = false;  // then [n*h*w, c] x [o, c]; the conv fields past c, o are unused
  // Every input 127 with zero point -128 and every weight -128: the largest sums there are, with
  // the output scale set so they land mid-range.
  bool extreme = false;
};

// A per-tensor Quantization for an activation, or a per-channel one (axis 0) for weights.
struct QuantizationBuffer {
  QuantizationBuffer(const std::vector<float>& scales, const std::vector<int64_t>* zeros, int axis) {
    fbb.Finish(fb::CreateQuantizationDirect(fbb, &scales, zeros, axis));
    q = flatbuffers::GetRoot<fb::Quantization>(fbb.GetBufferPointer());
  }
  flatbuffers::FlatBufferBuilder fbb;
  const fb::Quantization* q = nullptr;
};

std::vector<int8_t> random_int8(size_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (int8_t& e : v) e = static_cast<int8_t>(d(rng));
  return v;
}

void check_int8_conv(const Int8ConvCase& t) {
  const int oh = t.fully_connected ? 1
                 : (t.h + t.pad_top + t.pad_bottom - t.dilation * (t.kh - 1) - 1) / t.stride + 1;
  const int ow = t.fully_connected ? 1
                 : (t.w + t.pad_left + t.pad_right - t.dilation * (t.kw - 1) - 1) / t.stride + 1;
  const int cg = t.c / t.groups;
  const int taps = t.fully_connected ? 1 : t.kh * t.kw;
  const size_t x_size = static_cast<size_t>(t.n) * t.h * t.w * t.c;
  const size_t y_size = t.fully_connected ? static_cast<size_t>(t.n) * t.h * t.w * t.o
                                          : static_cast<size_t>(t.n) * oh * ow * t.o;
  // Inputs over the whole int8 range, so x - zero point reaches +-255 at the extreme zero points.
  std::vector<int8_t> x = random_int8(x_size, 31, t.extreme ? 127 : -128, 127);
  std::vector<int8_t> w = random_int8(static_cast<size_t>(t.o) * taps * cg, 32,
                                      t.extreme ? -128 : -127, t.extreme ? -128 : 127);
  std::mt19937 rng(33);
  std::normal_distribution<float> bias_d(0.0f, 3000.0f);
  std::uniform_real_distribution<float> w_scale(0.002f, 0.01f);
  std::vector<int32_t> bias(t.o);
  for (int32_t& b : bias) b = static_cast<int32_t>(bias_d(rng));
  std::vector<float> w_scales(t.o);
  for (float& s : w_scales) s = w_scale(rng);
  // Outputs spread over about +-40 steps, so rounding and saturation both happen.
  const float x_scale = 0.05f;
  if (t.extreme) std::fill(w_scales.begin(), w_scales.end(), 0.006f);
  const float y_scale =
      t.extreme ? x_scale * 0.006f * 255.0f * 128.0f * static_cast<float>(taps * cg) / 60.0f
                : x_scale * 0.006f * 5400.0f * std::sqrt(static_cast<float>(taps * cg)) / 40.0f;
  const std::vector<int64_t> x_zeros = {t.x_zero}, y_zeros = {t.y_zero};
  QuantizationBuffer xq({x_scale}, &x_zeros, -1), yq({y_scale}, &y_zeros, -1), wq(w_scales, nullptr, 0);
  std::vector<int8_t> y(y_size), want(y_size);

  TensorView xv = t.fully_connected ? view(DType::I8, {t.n * t.h * t.w, t.c}, x.data())
                                    : view(DType::I8, {t.n, t.h, t.w, t.c}, x.data());
  TensorView wv = t.fully_connected ? view(DType::I8, {t.o, t.c}, w.data())
                                    : view(DType::I8, {t.o, t.kh, t.kw, cg}, w.data());
  TensorView bv = view(DType::I32, {t.o}, bias.data());
  TensorView yv = t.fully_connected ? view(DType::I8, {t.n * t.h * t.w, t.o}, y.data())
                                    : view(DType::I8, {t.n, oh, ow, t.o}, y.data());
  TensorView wantv = yv;
  wantv.data = want.data();
  xv.quantization = xq.q;
  wv.quantization = wq.q;
  yv.quantization = wantv.quantization = yq.q;

  flatbuffers::FlatBufferBuilder fbb;
  const std::vector<int32_t> in_ids = {0, 1, 2}, out_ids = {3};
  const auto fused = fb::CreateActivation(fbb, t.fused, 0.0f, 6.0f);
  if (t.fully_connected) {
    const auto options = fb::CreateFullyConnectedOptions(fbb, fused);
    fbb.Finish(fb::CreateOp(fbb, fb::OpType::FullyConnected, fbb.CreateVector(in_ids),
                            fbb.CreateVector(out_ids), fb::OpOptions::FullyConnectedOptions,
                            options.Union()));
  } else {
    const auto options = fb::CreateConv2DOptions(
        fbb, t.stride, t.stride, t.dilation, t.dilation, t.pad_top, t.pad_left, t.pad_bottom,
        t.pad_right, t.groups, fused);
    fbb.Finish(fb::CreateOp(fbb, fb::OpType::Conv2D, fbb.CreateVector(in_ids),
                            fbb.CreateVector(out_ids), fb::OpOptions::Conv2DOptions,
                            options.Union()));
  }
  const fb::Op* op = flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer());
  const TensorView* inputs[3] = {&xv, &wv, &bv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op, inputs, 3, outputs, 1};
  ASSERT_TRUE(check_op(sig).ok()) << check_op(sig).message();
  ASSERT_TRUE(own_op_supported(sig));

  const Status ref = t.fully_connected
      ? reference::int8_fully_connected__ref(xv, wv, &bv, *op->options_as_FullyConnectedOptions(), wantv)
      : reference::int8_conv2d_nhwc__ref(xv, wv, &bv, *op->options_as_Conv2DOptions(), wantv);
  ASSERT_TRUE(ref.ok()) << ref.message();
  size_t inside = 0;
  for (int8_t v : want) inside += v > -128 && v < 127;
  ASSERT_GE(inside * 4, y_size) << "the outputs should mostly not saturate";

  // The path the op factory picks, then each explicit one that applies.
  enum class Kind { kAuto, kGemmMultiplyAdd, kGemmDot, kWinogradF2x2, kWinogradF4x4 };
  std::vector<std::pair<const char*, Kind>> paths = {{"auto", Kind::kAuto}};
  if (int8_gemm_conv_supported(sig)) {
    paths.push_back({"gemm multiply-add", Kind::kGemmMultiplyAdd});
    paths.push_back({"gemm dot", Kind::kGemmDot});
  }
  if (int8_winograd_conv_supported(sig)) {
    paths.push_back({"winograd f2x2", Kind::kWinogradF2x2});
    if (qwinograd_f4x4_exact(w.data(), static_cast<size_t>(t.o), static_cast<size_t>(cg)))
      paths.push_back({"winograd f4x4", Kind::kWinogradF4x4});
  }
  const auto create = [&](Kind kind, const CpuOpContext& context) {
    switch (kind) {
      case Kind::kGemmMultiplyAdd:
        return create_int8_gemm_conv_op(sig, context, Int8GemmForm::kMultiplyAdd);
      case Kind::kGemmDot:
        return create_int8_gemm_conv_op(sig, context, Int8GemmForm::kDot);
      case Kind::kWinogradF2x2:
        return create_int8_winograd_conv_op(sig, context, QWinogradTile::kF2x2);
      case Kind::kWinogradF4x4:
        return create_int8_winograd_conv_op(sig, context, QWinogradTile::kF4x4);
      default:
        return create_own_op(sig, context);
    }
  };
  for (const auto& [variant, features] : variants()) for (const auto& [path, kind] : paths) {
    const std::string name = variant + " " + path;
    CpuOpContext context;
    context.features = features;
    context.num_threads = 3;
    auto created = create(kind, context);
    ASSERT_TRUE(created.ok()) << created.status().message();
    AlignedBuffer scratch;
    ASSERT_TRUE(scratch.allocate((*created)->scratch_bytes() + 64));
    for (pthreadpool_t pool : {test_pool(), static_cast<pthreadpool_t>(nullptr)}) {
      std::fill(y.begin(), y.end(), int8_t{55});
      (*created)->run(scratch.data(), pool);
      size_t bad = 0;
      for (size_t i = 0; i < y_size; ++i)
        if (y[i] != want[i] && bad++ < 5)
          ADD_FAILURE() << t.what << " " << name << (pool ? " pool" : " caller") << " at " << i
                        << ": got " << int(y[i]) << " want " << int(want[i]);
      ASSERT_EQ(bad, 0u) << t.what << " " << name;
    }
  }
}

using fb::ActivationKind;

TEST(CpuInt8Conv, MatchesTheReferenceBitForBit) {
  const Int8ConvCase cases[] = {
      {"3x3 pad 1, 64 -> 40", 1, 13, 11, 64, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 3, -7},
      {"3x3 stride 2, odd channels", 2, 15, 14, 35, 17, 3, 3, 2, 1, 1, 1, 1, 0, 1, -128, 127},
      {"7x7 stride 2 pad 3, 3 channels", 1, 30, 29, 3, 64, 7, 7, 2, 1, 3, 3, 3, 3, 1, 127, -128},
      {"1x1, 96 -> 70", 1, 9, 7, 96, 70, 1, 1, 1, 1, 0, 0, 0, 0, 1, 10, 0},
      {"1x1 over 300 pixels, 24 -> 40", 1, 20, 15, 24, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, -9, 12},
      {"1x1 stride 2", 1, 10, 9, 24, 33, 1, 1, 2, 1, 0, 0, 0, 0, 1, -3, 4},
      {"3x3 dilation 2, relu", 1, 12, 12, 16, 16, 3, 3, 1, 2, 2, 2, 2, 2, 1, 0, -128,
       ActivationKind::Relu},
      {"3x3 no padding, relu6", 1, 9, 10, 32, 48, 3, 3, 1, 1, 0, 0, 0, 0, 1, 5, -100,
       ActivationKind::Clip},
      {"3x3 dilation 2, 5 channels", 1, 11, 13, 5, 18, 3, 3, 2, 2, 1, 2, 2, 1, 1, -60, 7},
      {"3x3 odd channels, 13 -> 9", 1, 7, 9, 13, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, -128, 127},
      {"3x3 at the largest exact Winograd sums, 1827 channels", 1, 4, 4, 1827, 8, 3, 3, 1, 1, 0,
       0, 0, 0, 1, -128, 0, ActivationKind::None, false, true},
      {"3x3 at the largest exact F(4x4) sums, 114 channels", 1, 6, 6, 114, 8, 3, 3, 1, 1, 0, 0,
       0, 0, 1, -128, 0, ActivationKind::None, false, true},
      {"3x3 past the F(4x4) bound, 115 channels", 1, 6, 6, 115, 8, 3, 3, 1, 1, 0, 0, 0, 0, 1,
       -128, 0, ActivationKind::None, false, true},
      {"3x3 past the Winograd bound, 1828 channels", 1, 4, 4, 1828, 8, 3, 3, 1, 1, 0, 0, 0, 0, 1,
       -128, 0, ActivationKind::None, false, true},
      {"5x5 uneven padding", 1, 11, 8, 8, 20, 5, 5, 1, 1, 2, 1, 0, 3, 1, -20, 20},
      {"3x3 many channels", 1, 6, 6, 300, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2},
      {"9x9 (over 64 taps)", 1, 12, 12, 4, 8, 9, 9, 1, 1, 4, 4, 4, 4, 1, 0, 0},
      {"grouped 3x3", 1, 8, 8, 16, 24, 3, 3, 1, 1, 1, 1, 1, 1, 4, 2, 3},
      {"depthwise 3x3 pad 1", 1, 14, 13, 40, 40, 3, 3, 1, 1, 1, 1, 1, 1, 40, -5, 9},
      {"depthwise 3x3 stride 2, relu6", 2, 15, 16, 72, 72, 3, 3, 2, 1, 1, 1, 1, 1, 72, 127, -128,
       ActivationKind::Clip},
      {"depthwise 5x5 pad 2", 1, 9, 9, 19, 19, 5, 5, 1, 1, 2, 2, 2, 2, 19, -128, 0},
      {"fully connected 5x77 -> 33", 5, 1, 1, 77, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1, 3, -3,
       ActivationKind::None, true},
      {"fully connected 1x512 -> 1000, relu", 1, 1, 1, 512, 1000, 1, 1, 1, 1, 0, 0, 0, 0, 1, -128,
       -128, ActivationKind::Relu, true},
  };
  for (const Int8ConvCase& t : cases) {
    SCOPED_TRACE(t.what);
    check_int8_conv(t);
  }
}

}  // namespace
}  // namespace sprig::cpu
