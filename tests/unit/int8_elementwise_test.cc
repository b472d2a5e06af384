// The element-wise int8 kernels (Quantize, Dequantize, Add) of every variant this machine runs
// give, element for element, the bytes of runtime/core/int8_arith.h's functions: on values that
// fall exactly on a rounding tie, that saturate, that are not finite, and on random ones, at
// lengths that leave SIMD tails.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "backends/cpu/kernels/int8/int8_elementwise.h"
#include "tests/unit/cpu_op_test_util.h"

namespace sprig::cpu {
namespace {

std::vector<float> quantize_inputs(float scale, size_t n) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x;
  for (int k = -140; k <= 140; ++k) x.push_back((static_cast<float>(k) + 0.5f) * scale);  // ties
  for (float v : {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN(), 1e30f, -1e30f, 0.0f, -0.0f})
    x.push_back(v);
  while (x.size() < n) x.push_back(normal(rng));
  return x;
}

TEST(Int8Elementwise, QuantizeMatchesTheRuleOnEveryVariant) {
  for (const auto& [name, features] : op_test::variants()) {
    const Int8ElementwiseKernels kernels = select_int8_elementwise_kernels(features);
    for (float scale : {0.25f, 0.0173f}) {
      for (int32_t zero_point : {-128, -5, 0, 127}) {
        const std::vector<float> x = quantize_inputs(scale, 1003);
        const float inverse = int8_inverse_scale(scale);
        std::vector<int8_t> y(x.size());
        kernels.quantize(x.data(), y.data(), x.size(), inverse, zero_point);
        for (size_t i = 0; i < x.size(); ++i)
          ASSERT_EQ(y[i], int8_quantize(x[i], inverse, zero_point))
              << name << " x " << x[i] << " scale " << scale << " zero point " << zero_point;
      }
    }
  }
}

TEST(Int8Elementwise, DequantizeMatchesTheRuleOnEveryVariant) {
  std::vector<int8_t> x;
  for (int i = 0; i < 1001; ++i) x.push_back(static_cast<int8_t>(i % 256 - 128));
  for (const auto& [name, features] : op_test::variants()) {
    const Int8ElementwiseKernels kernels = select_int8_elementwise_kernels(features);
    std::vector<float> y(x.size());
    kernels.dequantize(x.data(), y.data(), x.size(), 0.0371f, -17);
    for (size_t i = 0; i < x.size(); ++i)
      ASSERT_EQ(y[i], int8_dequantize(x[i], 0.0371f, -17)) << name << " at " << i;
  }
}

TEST(Int8Elementwise, AddMatchesTheRuleOnEveryVariant) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::vector<int8_t> a(1005), b(1005);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<int8_t>(byte(rng));
    b[i] = static_cast<int8_t>(byte(rng));
  }
  Int8AddParams relu;  // multipliers that put many sums on a tie: 0.5 steps
  relu.a_zero_point = 3, relu.b_zero_point = -7, relu.y_zero_point = -128;
  relu.a_multiplier = 0.5f, relu.b_multiplier = 1.5f;
  relu.range.lo = -128;
  Int8AddParams any;
  any.a_zero_point = -20, any.b_zero_point = 64, any.y_zero_point = 10;
  any.a_multiplier = 0.731f, any.b_multiplier = 1.913f;
  any.range.lo = -100, any.range.hi = 90;
  for (const auto& [name, features] : op_test::variants()) {
    const Int8ElementwiseKernels kernels = select_int8_elementwise_kernels(features);
    for (const Int8AddParams& p : {relu, any}) {
      std::vector<int8_t> y(a.size());
      kernels.add(a.data(), b.data(), y.data(), a.size(), p);
      for (size_t i = 0; i < a.size(); ++i)
        ASSERT_EQ(y[i], int8_add(a[i] - p.a_zero_point, b[i] - p.b_zero_point, p.a_multiplier,
                                 p.b_multiplier, p.y_zero_point, p.range))
            << name << " at " << i;
    }
  }
}

}  // namespace
}  // namespace sprig::cpu
