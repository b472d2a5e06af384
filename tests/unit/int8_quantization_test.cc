// Full-integer int8 in the converter: the scale and zero point chosen for a range, the three
// calibration methods on data with an outlier, the int8 rewrite of a FullyConnected graph (its ops,
// its int32 bias, and its output against the float graph's within the int8 rounding bound), and
// --mixed-precision keeping float only what a target SNR needs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "converter/quantize/calibration.h"
#include "converter/quantize/mixed_precision.h"
#include "converter/quantize/quantize_int8.h"
#include "tests/common/test_util.h"

namespace sprig::convert {
namespace {

std::vector<float> uniform_values(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// x [2, K] -> FullyConnected (Relu when asked) -> y [2, N], optionally a second one -> z [2, N].
Graph fc_graph(int64_t k, int64_t n, bool two_layers) {
  Graph g;
  const int x = g.add_value("x", fb::DType::F32, {2, k});
  g.inputs.push_back(x);
  int input = x;
  for (int layer = 0; layer < (two_layers ? 2 : 1); ++layer) {
    const int64_t in = layer == 0 ? k : n;
    const std::string name = "fc" + std::to_string(layer);
    const int w = g.add_constant(name + ".weight", {n, in},
                                 uniform_values(static_cast<size_t>(n * in), 3 + layer, -0.3f, 0.3f));
    const int b = g.add_constant(name + ".bias", {n},
                                 uniform_values(static_cast<size_t>(n), 7 + layer, -0.5f, 0.5f));
    const int y = g.add_value(layer == 0 ? "y" : "z", fb::DType::F32, {2, n});
    Node node;
    node.type = fb::OpType::FullyConnected;
    node.inputs = {input, w, b};
    node.outputs = {y};
    fb::FullyConnectedOptionsT options;
    if (layer == 0 && two_layers) {
      options.fused = std::make_unique<fb::ActivationT>();
      options.fused->kind = fb::ActivationKind::Relu;
    }
    node.options.Set(std::move(options));
    node.name = name;
    g.add_node(std::move(node));
    input = y;
  }
  g.outputs.push_back(input);
  return g;
}

std::vector<std::vector<float>> samples(size_t count, size_t elements, uint32_t seed) {
  std::vector<std::vector<float>> result;
  for (size_t s = 0; s < count; ++s)
    result.push_back(uniform_values(elements, seed + static_cast<uint32_t>(s), -1.0f, 1.0f));
  return result;
}

TEST(Int8Params, CoverTheRangeAndZero) {
  float scale;
  int32_t zero_point;
  int8_params_for({-1.0f, 3.0f}, &scale, &zero_point);
  EXPECT_FLOAT_EQ(scale, 4.0f / 255.0f);
  EXPECT_EQ(zero_point, -64);  // round(-128 + 1 / (4 / 255)) = round(-64.25)
  int8_params_for({2.0f, 5.0f}, &scale, &zero_point);  // extended down to 0
  EXPECT_FLOAT_EQ(scale, 5.0f / 255.0f);
  EXPECT_EQ(zero_point, -128);
  int8_params_for({-6.0f, -1.0f}, &scale, &zero_point);  // extended up to 0
  EXPECT_EQ(zero_point, 127);
  int8_params_for({0.0f, 0.0f}, &scale, &zero_point);  // nothing seen: a valid scale anyway
  EXPECT_EQ(scale, 1.0f);
}

TEST(Calibration, MethodsOnAnOutlier) {
  Graph g = fc_graph(250, 4, false);
  const std::vector<uint8_t> bytes = test::serialize(g);
  std::vector<std::vector<float>> data = samples(200, 500, 1);  // 100000 input values in [-1, 1]
  data[17][123] = 50.0f;
  const auto minmax = calibrate_ranges(bytes, data, CalibrationMethod::kMinMax);
  const auto percentile = calibrate_ranges(bytes, data, CalibrationMethod::kPercentile);
  const auto mse = calibrate_ranges(bytes, data, CalibrationMethod::kMse);
  ASSERT_TRUE(minmax.count("x") && minmax.count("y"));
  EXPECT_EQ(minmax.at("x").max, 50.0f);
  EXPECT_GE(minmax.at("x").min, -1.0f);
  EXPECT_LT(minmax.at("x").min, -0.99f);
  EXPECT_LT(percentile.at("x").max, 1.1f);  // the one outlier in 100000 is clipped
  EXPECT_GT(percentile.at("x").max, 0.9f);
  EXPECT_LT(mse.at("x").max, 50.0f);
  EXPECT_GT(mse.at("x").max, 0.9f);
  EXPECT_THROW(calibration_method_from("median"), ConvertError);
}

TEST(QuantizeInt8, FullyConnectedRunsInt8WithinTheRoundingBound) {
  const Graph float_graph = fc_graph(64, 9, false);
  const std::vector<uint8_t> float_bytes = test::serialize(float_graph);
  const auto calibration = samples(32, 128, 100);
  const auto ranges = calibrate_ranges(float_bytes, calibration, CalibrationMethod::kMinMax);
  Graph g = float_graph;
  const auto report = quantize_int8(g, ranges, {});
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].scheme, "int8");
  std::vector<fb::OpType> types;
  for (const Node& node : g.nodes) types.push_back(node.type);
  EXPECT_EQ(types, (std::vector<fb::OpType>{fb::OpType::Quantize, fb::OpType::FullyConnected,
                                            fb::OpType::Dequantize}));
  const Node& fc = g.nodes[1];
  const Value& x = g.values[static_cast<size_t>(fc.inputs[0])];
  const Value& w = g.values[static_cast<size_t>(fc.inputs[1])];
  const Value& b = g.values[static_cast<size_t>(fc.inputs[2])];
  ASSERT_EQ(b.dtype, fb::DType::I32);
  const std::vector<float> float_bias =
      float_graph.values[static_cast<size_t>(float_graph.nodes[0].inputs[2])].to_f32();
  for (size_t c = 0; c < float_bias.size(); ++c) {
    int32_t q;
    std::memcpy(&q, b.data.data() + c * 4, 4);
    const double unit = double(x.quantization->scale[0]) * w.quantization->scale[c];
    EXPECT_NEAR(q, float_bias[c] / unit, 0.5 + 1e-6) << c;
  }
  EXPECT_EQ(g.values[static_cast<size_t>(g.outputs[0])].name, "y");
  EXPECT_EQ(g.values[static_cast<size_t>(g.outputs[0])].dtype, fb::DType::F32);
  // Error bound: the input's rounding (half a step per element, through |w|), the weights'
  // (half a step of each channel's scale, through |x|), and the output's own half step.
  const Value& y_int8 = g.values[static_cast<size_t>(fc.outputs[0])];
  const float y_step = y_int8.quantization->scale[0];
  const std::vector<float> w_float =
      float_graph.values[static_cast<size_t>(float_graph.nodes[0].inputs[1])].to_f32();
  for (const auto& sample : samples(4, 128, 500)) {
    const std::vector<float> want = test::run_graph(float_graph, sample);
    const std::vector<float> got = test::run_graph(g, sample);
    ASSERT_EQ(got.size(), want.size());
    for (size_t r = 0; r < 2; ++r)
      for (size_t n = 0; n < 9; ++n) {
        double bound = 0.5 * y_step;
        for (size_t k = 0; k < 64; ++k)
          bound += 0.5 * x.quantization->scale[0] * std::fabs(w_float[n * 64 + k]) +
                   0.5 * w.quantization->scale[n] * std::fabs(sample[r * 64 + k]);
        EXPECT_LE(std::fabs(got[r * 9 + n] - want[r * 9 + n]), bound) << r << "," << n;
      }
  }
}

TEST(QuantizeInt8, MixedPrecisionKeepsFloatOnlyWhatTheTargetNeeds) {
  Graph float_graph = fc_graph(32, 16, true);
  const std::vector<uint8_t> float_bytes = test::serialize(float_graph);
  const auto calibration = samples(16, 64, 7);
  const auto ranges = calibrate_ranges(float_bytes, calibration, CalibrationMethod::kMinMax);

  Graph loose = float_graph;
  const MixedPrecisionResult none = quantize_int8_mixed(loose, float_bytes, ranges, calibration, {}, 0.0);
  EXPECT_TRUE(none.kept_float.empty());
  EXPECT_GT(none.output_snr_db, 20.0);
  EXPECT_LT(none.output_snr_db, 80.0);

  Graph strict = float_graph;  // between all-int8 and all-float: at least one layer goes float
  const MixedPrecisionResult some =
      quantize_int8_mixed(strict, float_bytes, ranges, calibration, {}, none.output_snr_db + 3.0);
  EXPECT_GE(some.kept_float.size(), 1u);
  EXPECT_GE(some.output_snr_db, none.output_snr_db + 3.0);
  bool marked = false;
  for (const LayerQuantReport& row : some.report) marked |= row.scheme == "float (--mixed-precision)";
  EXPECT_TRUE(marked);
}

}  // namespace
}  // namespace sprig::convert
