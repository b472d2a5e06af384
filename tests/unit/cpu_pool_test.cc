// The CPU backend's own pooling ops (MaxPool2D, AveragePool2D, GlobalAveragePool) against the
// reference kernels for every kernel variant this machine can run: channel counts off the vector
// width, stride 2, asymmetric pads, dilation, ceil-mode outputs, count_include_pad, windows that
// read nothing, NaN inputs.
#include <gtest/gtest.h>

#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/ops/op_factories.h"
#include "backends/reference/kernels/global_average_pool.h"
#include "backends/reference/kernels/pool2d.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

using namespace op_test;  // NOLINT

struct PoolCase {
  int n, h, w, c;
  int kh, kw;
  int sh = 1, sw = 1, dh = 1, dw = 1;
  int pt = 0, pl = 0, pb = 0, pr = 0;
  bool ceil_h = false, ceil_w = false;
  bool include_pad = false;
  bool with_nan = false;
};

void check_pool(const PoolCase& k, fb::OpType type) {
  char trace[200];
  std::snprintf(trace, sizeof(trace),
                "%s %dx%dx%dx%d k%dx%d s%d,%d d%d,%d p%d,%d,%d,%d ceil%d%d inc%d",
                type == fb::OpType::MaxPool2D ? "max" : "avg", k.n, k.h, k.w, k.c, k.kh, k.kw, k.sh,
                k.sw, k.dh, k.dw, k.pt, k.pl, k.pb, k.pr, k.ceil_h, k.ceil_w, k.include_pad);
  SCOPED_TRACE(trace);
  const int oh = (k.h + k.pt + k.pb - k.dh * (k.kh - 1) - 1) / k.sh + 1 + (k.ceil_h ? 1 : 0);
  const int ow = (k.w + k.pl + k.pr - k.dw * (k.kw - 1) - 1) / k.sw + 1 + (k.ceil_w ? 1 : 0);
  std::vector<float> x = normal(static_cast<size_t>(k.n) * k.h * k.w * k.c, 7);
  if (k.with_nan)
    for (size_t i = 5; i < x.size(); i += 97) x[i] = std::numeric_limits<float>::quiet_NaN();
  OpBuffer op(type, fb::OpOptions::Pool2DOptions, [&](flatbuffers::FlatBufferBuilder& fbb) {
    return fb::CreatePool2DOptions(fbb, k.kh, k.kw, k.sh, k.sw, k.dh, k.dw, k.pt, k.pl, k.pb, k.pr,
                                   k.include_pad);
  });
  const TensorView xv = view(DType::F32, {k.n, k.h, k.w, k.c}, x.data());
  std::vector<float> want(static_cast<size_t>(k.n) * oh * ow * k.c), got(want.size());
  const TensorView wantv = view(DType::F32, {k.n, oh, ow, k.c}, want.data());
  const TensorView yv = view(DType::F32, {k.n, oh, ow, k.c}, got.data());
  const auto& options = *op.op->options_as_Pool2DOptions();
  ASSERT_TRUE((type == fb::OpType::MaxPool2D
                   ? reference::f32_max_pool2d_nhwc__ref(xv, options, wantv)
                   : reference::f32_average_pool2d_nhwc__ref(xv, options, wantv))
                  .ok());
  const TensorView* inputs[1] = {&xv};
  const TensorView* outputs[1] = {&yv};
  const OpSignature sig{op.op, inputs, 1, outputs, 1};
  ASSERT_TRUE(pool2d_supported(sig));
  run_variants(sig, &got, want, create_pool2d_op);
}

void check_both(const PoolCase& k) {
  check_pool(k, fb::OpType::MaxPool2D);
  check_pool(k, fb::OpType::AveragePool2D);
  PoolCase inc = k;
  inc.include_pad = true;
  check_pool(inc, fb::OpType::AveragePool2D);
}

TEST(CpuPool, Common) {
  check_both({1, 13, 13, 19, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1});  // ResNet stem shape, odd channels
  check_both({2, 8, 8, 32, 2, 2, 2, 2});
  check_both({1, 112, 112, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1});  // parallel tiles
  check_both({1, 9, 10, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});
  check_both({1, 1, 1, 37, 1, 1});
  check_both({1, 1, 1, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1});  // 1x1 image, padded window
}

TEST(CpuPool, PadsDilationCeil) {
  check_both({1, 11, 12, 10, 3, 2, 2, 3, 1, 1, 0, 1, 2, 0});  // asymmetric pads
  check_both({1, 12, 12, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2});   // dilation 2
  PoolCase ceil{1, 10, 11, 12, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0};
  ceil.ceil_h = ceil.ceil_w = true;  // windows past the padding
  check_both(ceil);
  PoolCase ceil_pad{1, 6, 6, 5, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0};
  ceil_pad.ceil_w = true;
  check_both(ceil_pad);
}

TEST(CpuPool, EmptyWindows) {
  check_both({1, 3, 3, 11, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2});  // corners read nothing
  check_both({1, 4, 5, 17, 2, 3, 3, 3, 1, 1, 3, 3, 3, 3});
}

TEST(CpuPool, NanWins) {
  PoolCase k{1, 9, 9, 21, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
  k.with_nan = true;
  check_pool(k, fb::OpType::MaxPool2D);
  check_pool(k, fb::OpType::AveragePool2D);
}

void check_global(int n, int h, int w, int c) {
  SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c));
  std::vector<float> x = normal(static_cast<size_t>(n) * h * w * c, 9);
  std::vector<float> want(static_cast<size_t>(n) * c), got(want.size());
  OpBuffer op(
      fb::OpType::GlobalAveragePool, fb::OpOptions::GlobalAveragePoolOptions,
      [](flatbuffers::FlatBufferBuilder& fbb) { return fb::CreateGlobalAveragePoolOptions(fbb); });
  const TensorView xv = view(DType::F32, {n, h, w, c}, x.data());
  const TensorView wantv = view(DType::F32, {n, 1, 1, c}, want.data());
  const TensorView yv = view(DType::F32, {n, 1, 1, c}, got.data());
  ASSERT_TRUE(reference::f32_global_average_pool_nhwc__ref(xv, wantv).ok());
  const TensorView* inputs[1] = {&xv};
  const TensorView* outputs[1] = {&yv};
  run_variants(OpSignature{op.op, inputs, 1, outputs, 1}, &got, want,
               create_global_average_pool_op);
}

TEST(CpuPool, GlobalAverage) {
  check_global(2, 7, 7, 1280);
  check_global(1, 1, 1, 5);
  check_global(1, 13, 13, 19);
  check_global(3, 56, 56, 24);
}

}  // namespace
}  // namespace sprig::cpu
