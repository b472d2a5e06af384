// Run-time leading dimensions (Tensor.dim0_symbol, Session::set_rows): a graph of every op that
// follows one (FullyConnected float, int8 and int4 with a fused GELU, RmsNorm, LayerNorm, Add with
// a broadcast operand, Mul, Reshape, Rope, Attention without a cache, Gather of activation rows)
// run at fewer rows than planned must give what the same graph built for exactly those rows gives
// on the same backend (the reference, and the CPU kernels, whose int8 dot products round x as a
// fixed-size graph's do); the loader and set_rows refuse what does not fit.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "converter/quantize/quantize_weights.h"
#include "tests/common/test_util.h"

namespace sprig {
namespace {

constexpr int64_t kWidth = 64, kHeads = 4, kHeadDim = 16;
constexpr int kTokens = 1, kPicked = 2;  // the graph's run-time dimensions

class RowGraph {
 public:
  // `rows` tokens and `picked` gathered rows; with `dynamic` both are run-time dimensions.
  RowGraph(int64_t rows, int64_t picked, bool dynamic) : dynamic_(dynamic) {
    const int x = value("x", {rows, kWidth}, kTokens);
    const int positions = value("positions", {rows}, kTokens, fb::DType::I32);
    const int pick = value("pick", {picked}, kPicked, fb::DType::I32);
    g_.inputs = {x, positions, pick};
    const int h = fc("fc1", x, fb::ActivationKind::None, kTokens);
    const int n = norm(fb::OpType::RmsNorm, "rms", h, kTokens);
    const int a = fc("fc2", n, fb::ActivationKind::Gelu, kTokens);
    const int s = binary(fb::OpType::Add, "add", a, constant("shift", {kWidth}, 7), kTokens);
    const int m = binary(fb::OpType::Mul, "mul", s, h, kTokens);
    const int heads = reshape("heads", m, {rows, kHeads, kHeadDim}, kTokens);
    fb::OpOptionsUnion rope_options;
    rope_options.Set(fb::RopeOptionsT());
    std::vector<float> inv_freq(kHeadDim / 2);
    for (size_t i = 0; i < inv_freq.size(); ++i) inv_freq[i] = std::pow(100.0f, -2.0f * i / kHeadDim);
    const int inv = g_.add_constant("inv_freq", {kHeadDim / 2}, inv_freq);
    const int rotated = op(fb::OpType::Rope, "rope", {heads, positions, inv}, {rows, kHeads, kHeadDim},
                           std::move(rope_options), kTokens);
    fb::AttentionOptionsT attention;
    attention.causal = true;
    fb::OpOptionsUnion attention_options;
    attention_options.Set(std::move(attention));
    const int attended = op(fb::OpType::Attention, "attention", {rotated, heads, heads},
                            {rows, kHeads, kHeadDim}, std::move(attention_options), kTokens);
    const int merged = reshape("merge", attended, {rows, kWidth}, kTokens);
    fb::OpOptionsUnion gather_options;
    gather_options.Set(fb::GatherOptionsT());
    const int gathered = op(fb::OpType::Gather, "gather", {merged, pick}, {picked, kWidth},
                            std::move(gather_options), kPicked);
    const int out = norm(fb::OpType::LayerNorm, "layer_norm", gathered, kPicked);
    const int tail = binary(fb::OpType::Sub, "tail", merged, constant("one", {1}, 8), kTokens);
    g_.outputs = {out, tail};
  }

  convert::Graph& graph() { return g_; }

 private:
  int value(const std::string& name, std::vector<int64_t> shape, int symbol,
            fb::DType dtype = fb::DType::F32) {
    const int v = g_.add_value(name, dtype, std::move(shape));
    if (dynamic_) g_.values[static_cast<size_t>(v)].dim0_symbol = symbol;
    return v;
  }

  int constant(const std::string& name, std::vector<int64_t> shape, uint32_t seed) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return g_.add_constant(name, shape, test::normal_values(static_cast<size_t>(n), seed, 0.5f));
  }

  int op(fb::OpType type, const std::string& name, std::vector<int> inputs, std::vector<int64_t> shape,
         fb::OpOptionsUnion options, int symbol) {
    const int out = value(name + ".out", std::move(shape), symbol);
    convert::Node node;
    node.type = type;
    node.name = name;
    node.inputs = std::move(inputs);
    node.outputs = {out};
    node.options = std::move(options);
    g_.add_node(std::move(node));
    return out;
  }

  int fc(const std::string& name, int x, fb::ActivationKind activation, int symbol) {
    fb::FullyConnectedOptionsT fc;
    if (activation != fb::ActivationKind::None) {
      fc.fused = std::make_unique<fb::ActivationT>();
      fc.fused->kind = activation;
    }
    fb::OpOptionsUnion options;
    options.Set(std::move(fc));
    const int w = g_.add_constant(name + ".weight", {kWidth, kWidth},
                                  test::normal_values(kWidth * kWidth, name.size() + 11, 0.125f));
    const int b = constant(name + ".bias", {kWidth}, 3);
    return op(fb::OpType::FullyConnected, name, {x, w, b}, shape_of(x), std::move(options), symbol);
  }

  int norm(fb::OpType type, const std::string& name, int x, int symbol) {
    fb::OpOptionsUnion options;
    std::vector<int> inputs = {x, constant(name + ".weight", {kWidth}, 5)};
    if (type == fb::OpType::RmsNorm) {
      fb::RmsNormOptionsT rms;
      rms.epsilon = 1e-5f;
      options.Set(std::move(rms));
    } else {
      fb::LayerNormOptionsT layer;
      layer.epsilon = 1e-5f;
      options.Set(std::move(layer));
      inputs.push_back(constant(name + ".bias", {kWidth}, 6));
    }
    return op(type, name, std::move(inputs), shape_of(x), std::move(options), symbol);
  }

  int binary(fb::OpType type, const std::string& name, int a, int b, int symbol) {
    fb::OpOptionsUnion options;
    options.Set(fb::BinaryOptionsT());
    return op(type, name, {a, b}, shape_of(a), std::move(options), symbol);
  }

  int reshape(const std::string& name, int x, std::vector<int64_t> shape, int symbol) {
    fb::OpOptionsUnion options;
    options.Set(fb::ReshapeOptionsT());
    return op(fb::OpType::Reshape, name, {x}, std::move(shape), std::move(options), symbol);
  }

  std::vector<int64_t> shape_of(int v) const { return g_.values[static_cast<size_t>(v)].shape; }

  bool dynamic_;
  convert::Graph g_;
};

test::LoadedModel build(int64_t rows, int64_t picked, bool dynamic, convert::WeightScheme scheme) {
  RowGraph graph(rows, picked, dynamic);
  convert::WeightQuantOptions quant;
  quant.scheme = scheme;
  if (scheme != convert::WeightScheme::kNone) convert::quantize_weights(graph.graph(), quant);
  return test::load_bytes(test::serialize(graph.graph()));
}

// Inputs for `rows` tokens and `picked` gathered rows (spread over the tokens, last one first).
void fill(Session& session, int64_t rows, int64_t picked) {
  const std::vector<float> x = test::normal_values(static_cast<size_t>(rows * kWidth), 21);
  std::copy(x.begin(), x.end(), session.input(0).f32());
  for (int64_t t = 0; t < rows; ++t) session.input(1).as<int32_t>()[t] = static_cast<int32_t>(3 * t + 1);
  for (int64_t p = 0; p < picked; ++p)
    session.input(2).as<int32_t>()[p] = static_cast<int32_t>((rows - 1 - 2 * p + 4 * rows) % rows);
}

double max_difference(const TensorView& a, const TensorView& b) {
  EXPECT_EQ(a.shape, b.shape);
  double worst = 0;
  for (int64_t i = 0; i < a.shape.numel() && a.shape == b.shape; ++i)
    worst = std::max(worst, double(std::fabs(a.f32()[i] - b.f32()[i])));
  return worst;
}

TEST(DynamicRows, FewerRowsThanPlannedMatchAGraphBuiltForThem) {
  constexpr int64_t kMaxRows = 8;
  for (convert::WeightScheme scheme :
       {convert::WeightScheme::kNone, convert::WeightScheme::kInt8PerChannel, convert::WeightScheme::kInt4Grouped}) {
    test::LoadedModel dynamic = build(kMaxRows, kMaxRows, true, scheme);
    ASSERT_TRUE(dynamic.model);
    for (const char* backend : {"reference", "cpu"}) {
      std::unique_ptr<Session> session = test::make_session(*dynamic.model, {backend, "reference"}, 2);
      ASSERT_TRUE(session);
      for (int64_t rows : {kMaxRows, int64_t{1}, int64_t{5}, int64_t{3}}) {
        for (int64_t picked : {int64_t{1}, std::min<int64_t>(rows, 2)}) {
          SCOPED_TRACE(testing::Message() << backend << ", scheme " << static_cast<int>(scheme) << ", " << rows
                                          << " rows, " << picked << " picked");
          ASSERT_TRUE(session->set_rows(0, rows).ok());
          ASSERT_TRUE(session->set_rows(2, picked).ok());
          EXPECT_EQ(session->input(1).shape[0], rows);  // positions share the tokens' dimension
          fill(*session, rows, picked);
          ASSERT_TRUE(session->run().ok());
          test::LoadedModel exact = build(rows, picked, false, scheme);
          ASSERT_TRUE(exact.model);
          std::unique_ptr<Session> want = test::make_session(*exact.model, {backend, "reference"}, 2);
          fill(*want, rows, picked);
          ASSERT_TRUE(want->run().ok());
          EXPECT_LT(max_difference(session->output(0), want->output(0)), 2e-5);
          EXPECT_LT(max_difference(session->output(1), want->output(1)), 2e-5);
        }
      }
    }
  }
}

TEST(DynamicRows, SetRowsRefusesFixedInputsAndRowsOutOfRange) {
  test::LoadedModel dynamic = build(8, 8, true, convert::WeightScheme::kNone);
  ASSERT_TRUE(dynamic.model);
  std::unique_ptr<Session> session = test::make_session(*dynamic.model, {"cpu", "reference"});
  ASSERT_TRUE(session);
  EXPECT_EQ(session->max_rows(0), 8);
  EXPECT_EQ(session->set_rows(0, 0).code(), Code::kInvalidArgument);
  EXPECT_EQ(session->set_rows(0, 9).code(), Code::kInvalidArgument);
  EXPECT_EQ(session->set_rows(3, 1).code(), Code::kInvalidArgument);
  EXPECT_EQ(session->input(0).shape[0], 8);
  ASSERT_TRUE(session->set_rows(0, 4).ok());
  ASSERT_TRUE(session->set_rows(2, 2).ok());
  fill(*session, 4, 2);
  session->input(2).as<int32_t>()[1] = 5;  // inside the planned 8 rows, outside the 4 given
  EXPECT_EQ(session->run().code(), Code::kInvalidArgument);

  test::LoadedModel fixed = build(8, 8, false, convert::WeightScheme::kNone);
  ASSERT_TRUE(fixed.model);
  std::unique_ptr<Session> fixed_session = test::make_session(*fixed.model);
  const Status status = fixed_session->set_rows(0, 4);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("fixed"), std::string::npos) << status.message();
}

// The loader's message for `graph`, which it must refuse.
std::string refusal(convert::Graph& graph) {
  const Status status = test::load_bytes_status(test::serialize(graph));
  EXPECT_FALSE(status.ok());
  return status.message();
}

int value_named(const convert::Graph& g, const std::string& name) {
  for (size_t v = 0; v < g.values.size(); ++v)
    if (g.values[v].name == name) return static_cast<int>(v);
  return -1;
}

TEST(DynamicRows, TheLoaderRefusesDimensionsOpsCannotFollow) {
  {
    RowGraph g(8, 8, true);
    g.graph().values[static_cast<size_t>(value_named(g.graph(), "fc1.weight"))].dim0_symbol = kTokens;
    EXPECT_NE(refusal(g.graph()).find("constant"), std::string::npos);
  }
  {
    RowGraph g(8, 8, false);
    g.graph().values[static_cast<size_t>(value_named(g.graph(), "rms.out"))].dim0_symbol = 3;
    EXPECT_NE(refusal(g.graph()).find("run-time leading dimension"), std::string::npos);
  }
  {
    RowGraph g(8, 8, true);  // a dimension number past the limit (a session would size a table by it)
    for (convert::Value& v : g.graph().values)
      if (v.dim0_symbol == kPicked) v.dim0_symbol = 1 << 30;
    EXPECT_NE(refusal(g.graph()).find("is not 0 to 64"), std::string::npos);
  }
  {
    RowGraph g(8, 8, true);  // the gathered rows' dimension on no graph input
    g.graph().values[static_cast<size_t>(value_named(g.graph(), "pick"))].dim0_symbol = kTokens;
    EXPECT_FALSE(test::load_bytes_status(test::serialize(g.graph())).ok());
  }
  {
    RowGraph g(8, 4, true);  // both dimensions 1: upper bounds 8 and 4 under one name
    for (convert::Value& v : g.graph().values)
      if (v.dim0_symbol == kPicked) v.dim0_symbol = kTokens;
    EXPECT_NE(refusal(g.graph()).find("upper bound"), std::string::npos);
  }
  {
    RowGraph g(8, 8, true);  // a Softmax does not follow a run-time dimension
    convert::Graph& graph = g.graph();
    const int y = graph.add_value("softmax.out", fb::DType::F32, {8, kWidth});
    graph.values[static_cast<size_t>(y)].dim0_symbol = kTokens;
    convert::Node node;
    node.type = fb::OpType::Softmax;
    node.name = "softmax";
    node.inputs = {value_named(graph, "tail.out")};
    node.outputs = {y};
    fb::SoftmaxOptionsT softmax;
    softmax.axis = -1;
    node.options.Set(std::move(softmax));
    graph.add_node(std::move(node));
    graph.outputs.push_back(y);
    EXPECT_NE(refusal(graph).find("Softmax"), std::string::npos);
  }
  {
    RowGraph g(8, 8, true);  // an operand fixed along the output's run-time dimension
    convert::Graph& graph = g.graph();
    const int full = graph.add_constant("full", {8, kWidth}, test::normal_values(8 * kWidth, 9));
    for (convert::Node& node : graph.nodes)
      if (node.name == "add") node.inputs[1] = full;
    EXPECT_NE(refusal(graph).find("fixed along"), std::string::npos);
  }
}

}  // namespace
}  // namespace sprig
