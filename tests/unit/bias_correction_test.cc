// Bias correction for weight-only quantization: on the calibration inputs the corrected layer's
// outputs must have, channel by channel, the float layer's mean (the float and quantized graphs
// run on the reference backend), where the uncorrected layer's means are measurably off; convs
// with stride, padding and groups, FullyConnected, and a conv that had no bias.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "converter/ir/error.h"
#include "converter/quantize/bias_correction.h"
#include "converter/quantize/quantize_weights.h"
#include "tests/common/test_util.h"

namespace sprig::convert {
namespace {

struct Layer {
  Graph graph;
  std::vector<int64_t> input_shape;
  int64_t out_channels = 0;
};

// x [1, 7, 9, C] -> Conv2D 3x3, pad 1 -> y [1, OH, OW, O].
Layer conv_layer(int64_t c, int64_t o, int groups, int stride, bool with_bias) {
  Layer layer;
  layer.input_shape = {1, 7, 9, c};
  layer.out_channels = o;
  Graph& g = layer.graph;
  const int x = g.add_value("x", fb::DType::F32, layer.input_shape);
  g.inputs.push_back(x);
  const int64_t oh = (7 + 2 - 3) / stride + 1, ow = (9 + 2 - 3) / stride + 1;
  Node node;
  node.type = fb::OpType::Conv2D;
  node.inputs = {x, g.add_constant("conv.weight", {o, 3, 3, c / groups},
                                   test::normal_values(static_cast<size_t>(o * 9 * (c / groups)), 3,
                                                       0.2f, 0.02f))};
  if (with_bias)
    node.inputs.push_back(g.add_constant("conv.bias", {o}, test::normal_values(o, 4)));
  const int y = g.add_value("y", fb::DType::F32, {1, oh, ow, o});
  node.outputs = {y};
  fb::Conv2DOptionsT options;
  options.pad_top = options.pad_left = options.pad_bottom = options.pad_right = 1;
  options.stride_h = options.stride_w = stride;
  options.groups = groups;
  node.options.Set(std::move(options));
  node.name = "conv";
  g.add_node(std::move(node));
  g.outputs.push_back(y);
  return layer;
}

// x [3, K] -> FullyConnected -> y [3, N].
Layer fc_layer(int64_t k, int64_t n) {
  Layer layer;
  layer.input_shape = {3, k};
  layer.out_channels = n;
  Graph& g = layer.graph;
  const int x = g.add_value("x", fb::DType::F32, layer.input_shape);
  g.inputs.push_back(x);
  const int y = g.add_value("y", fb::DType::F32, {3, n});
  Node node;
  node.type = fb::OpType::FullyConnected;
  node.inputs = {x, g.add_constant("fc.weight", {n, k}, test::normal_values(n * k, 5, 0.2f, 0.02f)),
                 g.add_constant("fc.bias", {n}, test::normal_values(n, 6))};
  node.outputs = {y};
  node.options.Set(fb::FullyConnectedOptionsT());
  node.name = "fc";
  g.add_node(std::move(node));
  g.outputs.push_back(y);
  return layer;
}

// Largest |mean over samples and positions of (quantized - float)| over the output channels.
double worst_channel_mean_error(const Layer& layer, const Graph& quantized,
                                const std::vector<std::vector<float>>& samples) {
  std::vector<double> sum(static_cast<size_t>(layer.out_channels), 0.0);
  size_t count = 0;
  for (const std::vector<float>& x : samples) {
    const std::vector<float> want = test::run_graph(layer.graph, x);
    const std::vector<float> got = test::run_graph(quantized, x);
    EXPECT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) sum[i % sum.size()] += double(got[i]) - want[i];
    count += want.size() / sum.size();
  }
  double worst = 0.0;
  for (double s : sum) worst = std::max(worst, std::fabs(s / static_cast<double>(count)));
  return worst;
}

void check_correction(const Layer& layer, WeightScheme scheme) {
  size_t elements = 1;
  for (int64_t d : layer.input_shape) elements *= static_cast<size_t>(d);
  std::vector<std::vector<float>> samples;
  for (uint32_t s = 0; s < 6; ++s) samples.push_back(test::normal_values(elements, 10 + s, 1.0f, 0.8f));

  WeightQuantOptions options;
  options.scheme = scheme;
  Graph plain = layer.graph;
  ASSERT_EQ(quantize_weights(plain, options).size(), 1u);
  const MeanInputs means = measure_mean_inputs(test::serialize(layer.graph), samples);
  options.mean_inputs = &means;
  Graph corrected = layer.graph;
  const std::vector<LayerQuantReport> report = quantize_weights(corrected, options);
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NE(report[0].scheme.find(", bias corrected"), std::string::npos) << report[0].scheme;
  ASSERT_EQ(corrected.nodes[0].inputs.size(), 3u);

  const double before = worst_channel_mean_error(layer, plain, samples);
  const double after = worst_channel_mean_error(layer, corrected, samples);
  std::printf("[ figures  ] worst channel mean shift: uncorrected %.3g, corrected %.3g\n", before,
              after);
  EXPECT_GT(before, 1e-3);
  EXPECT_LT(after, 2e-5 + before * 1e-3);
}

TEST(BiasCorrection, ConvStridedPaddedGrouped) {
  check_correction(conv_layer(8, 6, 1, 1, true), WeightScheme::kInt8PerChannel);
  check_correction(conv_layer(8, 6, 2, 2, true), WeightScheme::kInt8PerChannel);
  check_correction(conv_layer(6, 6, 6, 2, true), WeightScheme::kInt8PerChannel);  // depthwise
  check_correction(conv_layer(64, 5, 1, 1, true), WeightScheme::kInt4Grouped);
}

TEST(BiasCorrection, ConvWithoutBiasGetsOne) {
  check_correction(conv_layer(8, 6, 1, 2, false), WeightScheme::kInt8PerChannel);
}

TEST(BiasCorrection, FullyConnected) {
  check_correction(fc_layer(96, 7), WeightScheme::kInt8PerChannel);
  check_correction(fc_layer(96, 7), WeightScheme::kInt4Grouped);
}

TEST(BiasCorrection, NoSamplesIsAnError) {
  EXPECT_THROW(measure_mean_inputs(test::serialize(fc_layer(8, 2).graph), {}), ConvertError);
}

}  // namespace
}  // namespace sprig::convert
