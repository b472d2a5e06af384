// The optimization passes (converter/passes/passes.h) on hand-built graphs shaped like the ONNX
// importer's output (NHWC ops between NCHW<->NHWC Transposes). Structural expectations are checked
// exactly; rewrites are also checked numerically on the reference backend.
#include "converter/passes/passes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "runtime/core/tensor.h"
#include "tests/common/test_util.h"

namespace sprig::convert {
namespace {

using Dims = std::vector<int64_t>;
const std::vector<int> kToNhwc = {0, 2, 3, 1};
const std::vector<int> kToNchw = {0, 3, 1, 2};

std::vector<float> wave(size_t n, float frequency, float scale = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(frequency * static_cast<float>(i) + 0.3f);
  return v;
}

fb::OpOptionsUnion activation_options(fb::ActivationKind kind) {
  fb::ActivationOptionsT options;
  options.activation = std::make_unique<fb::ActivationT>();
  options.activation->kind = kind;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  return u;
}

template <typename T>
fb::OpOptionsUnion options_of(T options) {
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  return u;
}

// Builds graphs node by node, the way the importer lays them out.
struct Builder {
  Graph g;
  int counter = 0;

  int input(const std::string& name, Dims shape) {
    const int v = g.add_value(name, fb::DType::F32, std::move(shape));
    g.inputs.push_back(v);
    return v;
  }
  void output(int v) { g.outputs.push_back(v); }
  const Dims& shape(int v) const { return g.values[static_cast<size_t>(v)].shape; }
  int constant(Dims dims, float frequency) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    return g.add_constant("c" + std::to_string(counter++), dims,
                          wave(static_cast<size_t>(n), frequency));
  }

  int op(fb::OpType type, std::vector<int> inputs, Dims out_shape, fb::OpOptionsUnion options) {
    const std::string name =
        std::string(fb::EnumNameOpType(type)) + "_" + std::to_string(counter++);
    const int out = g.add_value(name + "_out", fb::DType::F32, std::move(out_shape));
    Node node;
    node.type = type;
    node.inputs = std::move(inputs);
    node.outputs = {out};
    node.options = std::move(options);
    node.name = name;
    g.add_node(std::move(node));
    return out;
  }

  int transpose(int x, const std::vector<int>& perm) {
    Dims out(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) out[i] = shape(x)[static_cast<size_t>(perm[i])];
    fb::TransposeOptionsT options;
    options.perm = perm;
    return op(fb::OpType::Transpose, {x}, out, options_of(std::move(options)));
  }
  int conv_nhwc(int x, int64_t out_channels, int kernel) {
    const Dims s = shape(x);
    const int w = constant({out_channels, kernel, kernel, s[3]}, 0.7f);
    const int b = constant({out_channels}, 1.3f);
    fb::Conv2DOptionsT options;
    options.pad_top = options.pad_left = options.pad_bottom = options.pad_right = kernel / 2;
    return op(fb::OpType::Conv2D, {x, w, b}, {s[0], s[1], s[2], out_channels},
              options_of(std::move(options)));
  }
  // Conv on an NCHW value, wrapped in transposes exactly as the importer emits it.
  int conv_nchw(int x, int64_t out_channels, int kernel = 3) {
    return transpose(conv_nhwc(transpose(x, kToNhwc), out_channels, kernel), kToNchw);
  }
  int activation(int x, fb::ActivationKind kind) {
    return op(fb::OpType::Activation, {x}, shape(x), activation_options(kind));
  }
  int binary(fb::OpType type, int a, int b, Dims out_shape) {
    return op(type, {a, b}, std::move(out_shape), options_of(fb::BinaryOptionsT{}));
  }
  int reshape(int x, Dims out_shape) {
    return op(fb::OpType::Reshape, {x}, std::move(out_shape), options_of(fb::ReshapeOptionsT{}));
  }
  int batch_norm(int x, int axis) {
    const int64_t c = shape(x)[static_cast<size_t>(axis)];
    std::vector<int> params;
    params.push_back(g.add_constant("gamma" + std::to_string(counter), {c},
                                    wave(static_cast<size_t>(c), 0.9f, 0.4f)));
    params.push_back(g.add_constant("beta" + std::to_string(counter), {c},
                                    wave(static_cast<size_t>(c), 1.7f, 0.2f)));
    params.push_back(g.add_constant("mean" + std::to_string(counter), {c},
                                    wave(static_cast<size_t>(c), 2.3f, 0.1f)));
    std::vector<float> var = wave(static_cast<size_t>(c), 0.5f, 0.3f);
    for (float& v : var) v = v * v + 0.5f;
    params.push_back(g.add_constant("var" + std::to_string(counter), {c}, var));
    fb::BatchNormOptionsT options;
    options.axis = axis;
    options.epsilon = 1e-3f;
    return op(fb::OpType::BatchNorm, {x, params[0], params[1], params[2], params[3]}, shape(x),
              options_of(std::move(options)));
  }
  int fully_connected(int x, int64_t n) {
    const int64_t k = shape(x).back();
    Dims out = shape(x);
    out.back() = n;
    return op(fb::OpType::FullyConnected, {x, constant({n, k}, 0.4f), constant({n}, 0.8f)}, out,
              options_of(fb::FullyConnectedOptionsT{}));
  }
};

int count(const Graph& graph, fb::OpType type) {
  int n = 0;
  for (const Node& node : graph.nodes) n += !node.dead && node.type == type;
  return n;
}

std::vector<fb::OpType> op_types(const Graph& graph) {
  std::vector<fb::OpType> types;
  for (const Node& node : graph.nodes) types.push_back(node.type);
  return types;
}

const std::vector<int>& perm_of(const Node& node) {
  return node.options.AsTransposeOptions()->perm;
}


// Runs `pass` on a copy of the graph and checks the output is unchanged and the shape kept.
template <typename Pass>
Graph apply_and_compare(const Graph& before, Pass pass, float tolerance = 2e-5f) {
  Graph after = before;
  pass(after);
  EXPECT_EQ(after.values[static_cast<size_t>(after.outputs[0])].shape,
            before.values[static_cast<size_t>(before.outputs[0])].shape);
  EXPECT_EQ(after.values[static_cast<size_t>(after.outputs[0])].name,
            before.values[static_cast<size_t>(before.outputs[0])].name);
  const int64_t n = before.values[static_cast<size_t>(before.inputs[0])].numel();
  const std::vector<float> input = wave(static_cast<size_t>(n), 0.37f);
  const std::vector<float> expected = test::run_graph(before, input);
  const std::vector<float> actual = test::run_graph(after, input);
  EXPECT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size() && i < expected.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance * (1.0f + std::fabs(expected[i])))
        << "element " << i;
  return after;
}

TEST(PassesTest, SinkingConvReluConvKeepsOnlyTheBoundaryTransposes) {
  Builder b;
  const int x = b.input("x", {1, 3, 6, 5});
  const int y = b.conv_nchw(b.activation(b.conv_nchw(x, 4), fb::ActivationKind::Relu), 2);
  b.output(y);
  const Graph after = apply_and_compare(b.g, sink_transposes);
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Transpose, fb::OpType::Conv2D,
                                                      fb::OpType::Activation, fb::OpType::Conv2D,
                                                      fb::OpType::Transpose}));
  EXPECT_EQ(perm_of(after.nodes[0]), kToNhwc);
  EXPECT_EQ(perm_of(after.nodes[4]), kToNchw);
  EXPECT_EQ(after.values[static_cast<size_t>(after.nodes[2].outputs[0])].shape, (Dims{1, 6, 5, 4}));
}

TEST(PassesTest, SinkingThroughResidualAddCancelsEveryInnerTranspose) {
  Builder b;
  const int x = b.input("x", {1, 4, 5, 5});
  const int y = b.conv_nchw(x, 4);
  const int z = b.conv_nchw(y, 4);
  const int sum = b.binary(fb::OpType::Add, z, y, {1, 4, 5, 5});
  b.output(b.activation(sum, fb::ActivationKind::Relu));
  const Graph after = apply_and_compare(b.g, sink_transposes);
  EXPECT_EQ(count(after, fb::OpType::Transpose), 2);
  EXPECT_EQ(after.nodes.front().type, fb::OpType::Transpose);
  EXPECT_EQ(after.nodes.front().inputs[0], after.inputs[0]);
  EXPECT_EQ(after.nodes.back().type, fb::OpType::Transpose);
  EXPECT_EQ(after.nodes.back().outputs[0], after.outputs[0]);
}

TEST(PassesTest, SinkingStopsAtAFlattenOfConvOutput) {
  Builder b;
  const int x = b.input("x", {1, 3, 4, 4});
  const int c = b.activation(b.conv_nchw(x, 5), fb::ActivationKind::Relu);
  b.output(b.fully_connected(b.reshape(c, {1, 80}), 6));
  const Graph after = apply_and_compare(b.g, sink_transposes);
  ASSERT_EQ(op_types(after),
            (std::vector<fb::OpType>{fb::OpType::Transpose, fb::OpType::Conv2D,
                                     fb::OpType::Activation, fb::OpType::Transpose,
                                     fb::OpType::Reshape, fb::OpType::FullyConnected}));
  EXPECT_EQ(perm_of(after.nodes[3]), kToNchw);
}

TEST(PassesTest, TransposesOfSizeOneDimensionsBecomeReshapesAndMerge) {
  // conv -> global average pool (NHWC [1,1,1,C]) -> Transpose to NCHW -> flatten -> FC
  Builder b;
  const int x = b.input("x", {1, 3, 4, 4});
  const int conv = b.conv_nhwc(b.transpose(x, kToNhwc), 6, 3);
  const int pooled = b.op(fb::OpType::GlobalAveragePool, {conv}, {1, 1, 1, 6},
                          options_of(fb::GlobalAveragePoolOptionsT{}));
  b.output(b.fully_connected(b.reshape(b.transpose(pooled, kToNchw), {1, 6}), 2));
  const Graph after = apply_and_compare(b.g, sink_transposes);
  ASSERT_EQ(op_types(after),
            (std::vector<fb::OpType>{fb::OpType::Transpose, fb::OpType::Conv2D,
                                     fb::OpType::GlobalAveragePool, fb::OpType::Reshape,
                                     fb::OpType::FullyConnected}));
  EXPECT_EQ(after.values[static_cast<size_t>(after.nodes[3].inputs[0])].shape, (Dims{1, 1, 1, 6}));
}

TEST(PassesTest, SinkingRemapsAxesOptionsAndConstants) {
  // Every layout-agnostic op with axes after a conv: all must run on NHWC afterwards.
  Builder b;
  const int x = b.input("x", {1, 3, 5, 6});
  int v = b.conv_nchw(x, 4);  // [1,4,5,6]
  v = b.batch_norm(v, 1);
  v = b.binary(fb::OpType::Mul, v, b.constant({4, 1, 1}, 1.1f), {1, 4, 5, 6});
  v = b.binary(fb::OpType::Sub, v, b.constant({6}, 0.6f), {1, 4, 5, 6});
  fb::ConcatOptionsT concat;
  concat.axis = 1;
  v = b.op(fb::OpType::Concat, {v, b.constant({1, 2, 5, 6}, 0.2f)}, {1, 6, 5, 6},
           options_of(std::move(concat)));
  fb::PadOptionsT pad;
  pad.pads = {0, 0, 1, 0, 0, 1, 0, 2};
  pad.mode = fb::PadMode::Edge;
  v = b.op(fb::OpType::Pad, {v}, {1, 7, 6, 8}, options_of(std::move(pad)));
  fb::SliceOptionsT slice;
  slice.starts = {0, 1, 5, 0};
  slice.steps = {1, 2, -2, 3};
  v = b.op(fb::OpType::Slice, {v}, {1, 3, 3, 3}, options_of(std::move(slice)));
  fb::SoftmaxOptionsT softmax;
  softmax.axis = 1;
  v = b.op(fb::OpType::Softmax, {v}, {1, 3, 3, 3}, options_of(std::move(softmax)));
  fb::ReduceMeanOptionsT mean;
  mean.axes = {2};
  mean.keep_dims = false;
  v = b.op(fb::OpType::ReduceMean, {v}, {1, 3, 3}, options_of(std::move(mean)));
  b.output(v);

  const Graph after = apply_and_compare(b.g, sink_transposes);
  EXPECT_EQ(count(after, fb::OpType::Transpose), 2);
  EXPECT_EQ(after.nodes.back().type, fb::OpType::Transpose);
  for (const Node& node : after.nodes) {
    if (node.type == fb::OpType::BatchNorm) {
      EXPECT_EQ(node.options.AsBatchNormOptions()->axis, 3);
    } else if (node.type == fb::OpType::Concat) {
      EXPECT_EQ(node.options.AsConcatOptions()->axis, 3);
    } else if (node.type == fb::OpType::Softmax) {
      EXPECT_EQ(node.options.AsSoftmaxOptions()->axis, 3);
    } else if (node.type == fb::OpType::ReduceMean) {
      EXPECT_EQ(node.options.AsReduceMeanOptions()->axes, (std::vector<int>{1}));
    }
  }
}

TEST(PassesTest, InverseTransposePairsVanishAndOutputsKeepTheirNames) {
  Builder b;
  const int x = b.input("x", {2, 3, 4});
  const int r = b.activation(x, fb::ActivationKind::Tanh);
  const int y = b.transpose(b.transpose(r, {2, 0, 1}), {1, 2, 0});
  b.g.values[static_cast<size_t>(y)].name = "y";
  b.output(y);
  const Graph after = apply_and_compare(b.g, sink_transposes);
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Activation}));
  EXPECT_EQ(after.values[static_cast<size_t>(after.outputs[0])].name, "y");
}

TEST(PassesTest, BatchNormFoldsIntoConvLikeTheUnfoldedFormula) {
  // A 1x1 conv on one pixel: y[o] = sum_c w[o][c] x[c] + b[o], then BatchNorm on NHWC's axis 3.
  Builder b;
  const int x = b.input("x", {1, 1, 1, 3});
  const int conv = b.conv_nhwc(x, 4, 1);
  b.output(b.batch_norm(conv, 3));
  const Graph before = b.g;
  const Graph after = apply_and_compare(before, fold_batch_norms, 1e-5f);
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Conv2D}));

  const Node& bn = before.nodes[1];
  auto data = [&](const Graph& g, int v) { return g.values[static_cast<size_t>(v)].to_f32(); };
  const std::vector<float> w = data(before, before.nodes[0].inputs[1]),
                           bias = data(before, before.nodes[0].inputs[2]);
  const std::vector<float> gamma = data(before, bn.inputs[1]), beta = data(before, bn.inputs[2]);
  const std::vector<float> mean = data(before, bn.inputs[3]), var = data(before, bn.inputs[4]);
  const std::vector<float> folded_w = data(after, after.nodes[0].inputs[1]);
  const std::vector<float> folded_b = data(after, after.nodes[0].inputs[2]);
  const float input[3] = {0.5f, -1.25f, 2.0f};
  for (int o = 0; o < 4; ++o) {
    double conv_out = bias[static_cast<size_t>(o)], folded_out = folded_b[static_cast<size_t>(o)];
    for (int c = 0; c < 3; ++c) {
      conv_out += w[static_cast<size_t>(o * 3 + c)] * input[c];
      folded_out += folded_w[static_cast<size_t>(o * 3 + c)] * input[c];
    }
    const double unfolded = gamma[static_cast<size_t>(o)] *
                                (conv_out - mean[static_cast<size_t>(o)]) /
                                std::sqrt(var[static_cast<size_t>(o)] + 1e-3) +
                            beta[static_cast<size_t>(o)];
    EXPECT_NEAR(folded_out, unfolded, 1e-5) << "channel " << o;
  }
}

TEST(PassesTest, BatchNormFoldsIntoFullyConnectedButNotIntoSharedOutputs) {
  Builder b;
  const int x = b.input("x", {2, 5});
  b.output(b.batch_norm(b.fully_connected(x, 3), 1));
  const Graph after = apply_and_compare(b.g, fold_batch_norms, 1e-5f);
  EXPECT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::FullyConnected}));

  Builder shared;
  const int y = shared.input("x", {1, 4, 4, 2});
  const int conv = shared.conv_nhwc(y, 3, 1);
  const int norm = shared.batch_norm(conv, 3);
  shared.output(shared.binary(fb::OpType::Add, norm, conv, {1, 4, 4, 3}));
  Graph kept = shared.g;
  fold_batch_norms(kept);
  EXPECT_EQ(count(kept, fb::OpType::BatchNorm), 1);
}

TEST(PassesTest, ActivationsFuseIntoTheirProducers) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int conv = b.activation(b.conv_nhwc(x, 3, 3), fb::ActivationKind::Relu);
  const int sum = b.binary(fb::OpType::Add, conv, b.constant({3}, 0.3f), {1, 4, 4, 3});
  b.output(b.activation(sum, fb::ActivationKind::Sigmoid));
  const Graph after = apply_and_compare(b.g, fuse_activations);
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Conv2D, fb::OpType::Add}));
  EXPECT_EQ(after.nodes[0].options.AsConv2DOptions()->fused->kind, fb::ActivationKind::Relu);
  EXPECT_EQ(after.nodes[1].options.AsBinaryOptions()->fused->kind, fb::ActivationKind::Sigmoid);
}

TEST(PassesTest, ActivationDoesNotFuseWhenItsInputHasOtherReaders) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int conv = b.conv_nhwc(x, 3, 1);
  const int relu = b.activation(conv, fb::ActivationKind::Relu);
  b.output(b.binary(fb::OpType::Add, relu, conv, {1, 4, 4, 3}));
  Graph after = b.g;
  fuse_activations(after);
  EXPECT_EQ(count(after, fb::OpType::Activation), 1);
}

TEST(PassesTest, MulBySigmoidOfItselfBecomesSiluAndFuses) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int conv = b.conv_nhwc(x, 3, 3);
  const int gate = b.activation(conv, fb::ActivationKind::Sigmoid);
  b.output(b.binary(fb::OpType::Mul, conv, gate, {1, 4, 4, 3}));
  const Graph after = apply_and_compare(b.g, [](Graph& g) {
    fuse_gated_activations(g);
    fuse_activations(g);
  });
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Conv2D}));
  EXPECT_EQ(after.nodes[0].options.AsConv2DOptions()->fused->kind, fb::ActivationKind::Silu);
}

// HardSigmoid with alpha and beta, the way the importer emits ONNX's HardSigmoid.
int hard_sigmoid(Builder& b, int x, float alpha, float beta) {
  fb::ActivationOptionsT options;
  options.activation = std::make_unique<fb::ActivationT>();
  options.activation->kind = fb::ActivationKind::HardSigmoid;
  options.activation->alpha = alpha;
  options.activation->beta = beta;
  return b.op(fb::OpType::Activation, {x}, b.shape(x), options_of(std::move(options)));
}

// torch's hardswish at opset 13 and 14+: Mul(HardSigmoid(x; 1/6, 1/2), x), gate first.
TEST(PassesTest, MulByHardSigmoidOfItselfBecomesHardSwishAndFuses) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int conv = b.conv_nhwc(x, 3, 3);
  const int gate = hard_sigmoid(b, conv, 1.0f / 6.0f, 0.5f);
  b.output(b.binary(fb::OpType::Mul, gate, conv, {1, 4, 4, 3}));
  const Graph after = apply_and_compare(b.g, [](Graph& g) {
    fuse_gated_activations(g);
    fuse_activations(g);
  });
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Conv2D}));
  EXPECT_EQ(after.nodes[0].options.AsConv2DOptions()->fused->kind, fb::ActivationKind::HardSwish);
}

TEST(PassesTest, MulByHardSigmoidWithOtherConstantsStaysAMul) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int gate = hard_sigmoid(b, x, 0.2f, 0.5f);  // ONNX's defaults, not hardswish's
  b.output(b.binary(fb::OpType::Mul, x, gate, {1, 4, 4, 2}));
  Graph after = b.g;
  fuse_gated_activations(after);
  EXPECT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Activation, fb::OpType::Mul}));
}

// MobileNetV3's squeeze-excitation: x * HardSigmoid(FC(ReLU(FC(GlobalAveragePool(x))))) with the
// FCs as 1x1 convolutions. The gate reads another value than x and broadcasts [1,1,1,C] against
// [1,H,W,C]: it fuses into its conv, and the Mul stays a broadcasting Mul.
TEST(PassesTest, SqueezeExcitationGateFusesIntoItsConvAndTheMulBroadcasts) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int features = b.conv_nhwc(x, 4, 3);
  const int pooled = b.op(fb::OpType::GlobalAveragePool, {features}, {1, 1, 1, 4},
                          options_of(fb::GlobalAveragePoolOptionsT{}));
  const int squeezed = b.activation(b.conv_nhwc(pooled, 2, 1), fb::ActivationKind::Relu);
  const int gate = hard_sigmoid(b, b.conv_nhwc(squeezed, 4, 1), 1.0f / 6.0f, 0.5f);
  b.output(b.binary(fb::OpType::Mul, features, gate, {1, 4, 4, 4}));
  const Graph after = apply_and_compare(b.g, [](Graph& g) {
    fuse_gated_activations(g);
    fuse_activations(g);
  });
  ASSERT_EQ(op_types(after),
            (std::vector<fb::OpType>{fb::OpType::Conv2D, fb::OpType::GlobalAveragePool,
                                     fb::OpType::Conv2D, fb::OpType::Conv2D, fb::OpType::Mul}));
  EXPECT_EQ(after.nodes[2].options.AsConv2DOptions()->fused->kind, fb::ActivationKind::Relu);
  EXPECT_EQ(after.nodes[3].options.AsConv2DOptions()->fused->kind, fb::ActivationKind::HardSigmoid);
}

TEST(PassesTest, AddOfPerChannelConstantJoinsTheBias) {
  Builder b;
  const int x = b.input("x", {2, 3, 5});
  const int fc = b.op(fb::OpType::FullyConnected, {x, b.constant({4, 5}, 0.3f)}, {2, 3, 4},
                      options_of(fb::FullyConnectedOptionsT{}));
  b.output(b.binary(fb::OpType::Add, b.constant({1, 1, 4}, 0.9f), fc, {2, 3, 4}));
  const Graph after = apply_and_compare(b.g, fold_biases);
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::FullyConnected}));
  EXPECT_EQ(after.values[static_cast<size_t>(after.nodes[0].inputs[2])].shape, (Dims{4}));
}

TEST(PassesTest, WeightsBecomeHalfPrecision) {
  Builder b;
  const int x = b.input("x", {1, 4, 4, 2});
  const int conv = b.conv_nhwc(x, 3, 3);
  const int shared_bias = b.g.nodes[0].inputs[2];
  b.output(b.binary(fb::OpType::Add, conv, shared_bias, {1, 4, 4, 3}));
  const std::vector<float> weights =
      b.g.values[static_cast<size_t>(b.g.nodes[0].inputs[1])].to_f32();
  const Graph after = apply_and_compare(
      b.g, [](Graph& g) { convert_weights(g, fb::DType::F16); }, 2e-3f);
  const Value& w = after.values[static_cast<size_t>(after.nodes[0].inputs[1])];
  EXPECT_EQ(w.dtype, fb::DType::F16);
  const std::vector<float> stored = w.to_f32();
  for (size_t i = 0; i < weights.size(); ++i)
    EXPECT_EQ(stored[i], f16_to_f32(f32_to_f16(weights[i])));
  // The bias is also read by the Add (an activation operand), so the conv gets its own F16 copy.
  EXPECT_EQ(after.values[static_cast<size_t>(after.nodes[0].inputs[2])].dtype, fb::DType::F16);
  EXPECT_EQ(after.values[static_cast<size_t>(after.nodes[1].inputs[1])].dtype, fb::DType::F32);

  Graph unchanged = b.g;
  convert_weights(unchanged, fb::DType::F32);
  EXPECT_EQ(unchanged.values[static_cast<size_t>(unchanged.nodes[0].inputs[1])].dtype,
            fb::DType::F32);
}

TEST(PassesTest, ConstantSubgraphsFold) {
  Builder b;
  const int x = b.input("x", {2, 3});
  const int c = b.activation(b.constant({2, 3}, 0.8f), fb::ActivationKind::Relu);
  b.output(b.binary(fb::OpType::Add, x, c, {2, 3}));
  const Graph after = apply_and_compare(b.g, fold_constants, 1e-6f);
  ASSERT_EQ(op_types(after), (std::vector<fb::OpType>{fb::OpType::Add}));
  for (float v : after.values[static_cast<size_t>(after.nodes[0].inputs[1])].to_f32())
    EXPECT_GE(v, 0.0f);
}

TEST(PassesTest, OptimizeGraphLeavesAValidEquivalentGraph) {
  Builder b;
  const int x = b.input("x", {1, 3, 6, 6});
  const int y = b.activation(b.batch_norm(b.conv_nchw(x, 4), 1), fb::ActivationKind::Relu);
  const int z = b.batch_norm(b.conv_nchw(y, 4), 1);
  const int sum =
      b.activation(b.binary(fb::OpType::Add, z, y, {1, 4, 6, 6}), fb::ActivationKind::Relu);
  b.output(b.reshape(sum, {1, 144}));
  const Graph after = apply_and_compare(b.g, [](Graph& g) { optimize_graph(g, ConvertOptions()); });
  EXPECT_EQ(op_types(after),
            (std::vector<fb::OpType>{fb::OpType::Transpose, fb::OpType::Conv2D, fb::OpType::Conv2D,
                                     fb::OpType::Add, fb::OpType::Transpose, fb::OpType::Reshape}));
  EXPECT_TRUE(test::load_bytes_status(test::serialize(after)).ok());
}

}  // namespace
}  // namespace sprig::convert
