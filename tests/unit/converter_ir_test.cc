// The converter's graph IR (converter/ir/graph.h): values, names, wiring queries, rewiring,
// ordering and compaction.
#include <gtest/gtest.h>

#include <cstring>

#include "converter/ir/error.h"
#include "converter/ir/graph.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {
namespace {

template <typename T>
Value constant_of(fb::DType dtype, const std::vector<T>& items) {
  Value value;
  value.name = "c";
  value.dtype = dtype;
  value.shape = {static_cast<int64_t>(items.size())};
  value.is_constant = true;
  value.data.resize(items.size() * sizeof(T));
  std::memcpy(value.data.data(), items.data(), value.data.size());
  return value;
}

Node relu_node(int in, int out, const std::string& name) {
  Node node;
  node.type = fb::OpType::Activation;
  node.inputs = {in};
  node.outputs = {out};
  fb::ActivationOptionsT options;
  options.activation = std::make_unique<fb::ActivationT>();
  options.activation->kind = fb::ActivationKind::Relu;
  node.options.Set(std::move(options));
  node.name = name;
  return node;
}

Node add_node(int a, int b, int out, const std::string& name) {
  Node node;
  node.type = fb::OpType::Add;
  node.inputs = {a, b};
  node.outputs = {out};
  node.options.Set(fb::BinaryOptionsT{});
  node.name = name;
  return node;
}

// x -> relu -> a -> relu -> b ; out = a + b
struct Chain {
  Graph graph;
  int x, a, b, out;
  Chain() {
    x = graph.add_value("x", fb::DType::F32, {2, 3});
    a = graph.add_value("a", fb::DType::F32, {2, 3});
    b = graph.add_value("b", fb::DType::F32, {2, 3});
    out = graph.add_value("out", fb::DType::F32, {2, 3});
    graph.inputs = {x};
    graph.outputs = {out};
    graph.add_node(relu_node(x, a, "relu_a"));
    graph.add_node(relu_node(a, b, "relu_b"));
    graph.add_node(add_node(a, b, out, "add"));
  }
};

TEST(ConverterIrTest, FloatConversionsCoverEveryDtype) {
  EXPECT_EQ(constant_of<float>(fb::DType::F32, {1.5f, -2.0f}).to_f32(),
            (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(constant_of<uint16_t>(fb::DType::F16, {f32_to_f16(0.5f), f32_to_f16(-3.0f)}).to_f32(),
            (std::vector<float>{0.5f, -3.0f}));
  EXPECT_EQ(constant_of<uint16_t>(fb::DType::BF16, {f32_to_bf16(2.0f)}).to_f32(),
            (std::vector<float>{2.0f}));
  EXPECT_EQ(constant_of<int32_t>(fb::DType::I32, {-7, 9}).to_f32(),
            (std::vector<float>{-7.0f, 9.0f}));
  EXPECT_EQ(constant_of<int64_t>(fb::DType::I64, {int64_t{1} << 40}).to_f32(),
            (std::vector<float>{1099511627776.0f}));
  EXPECT_EQ(constant_of<int8_t>(fb::DType::I8, {-128, 127}).to_f32(),
            (std::vector<float>{-128.0f, 127.0f}));
  EXPECT_EQ(constant_of<uint8_t>(fb::DType::U8, {255}).to_f32(), (std::vector<float>{255.0f}));

  Value i4 = constant_of<uint8_t>(fb::DType::I4, {0x8F});  // low nibble first: -1, then -8
  i4.shape = {2};
  EXPECT_EQ(i4.to_f32(), (std::vector<float>{-1.0f, -8.0f}));
}

TEST(ConverterIrTest, IntegerConversionsWidenAndRefuseFloats) {
  EXPECT_EQ(constant_of<int32_t>(fb::DType::I32, {-5, 6}).to_i64(), (std::vector<int64_t>{-5, 6}));
  EXPECT_EQ(constant_of<int64_t>(fb::DType::I64, {INT64_MAX}).to_i64(),
            (std::vector<int64_t>{INT64_MAX}));
  EXPECT_EQ(constant_of<uint8_t>(fb::DType::U8, {200}).to_i64(), (std::vector<int64_t>{200}));
  EXPECT_THROW(constant_of<float>(fb::DType::F32, {1.0f}).to_i64(), ConvertError);

  Value wrong_size = constant_of<float>(fb::DType::F32, {1.0f, 2.0f});
  wrong_size.shape = {3};
  EXPECT_THROW(wrong_size.to_f32(), ConvertError);
}

TEST(ConverterIrTest, NumelOfScalarIsOne) {
  Value value;
  EXPECT_EQ(value.numel(), 1);
  value.shape = {2, 0, 3};
  EXPECT_EQ(value.numel(), 0);
}

TEST(ConverterIrTest, NamesStayUnique) {
  Graph graph;
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.add_value("x", fb::DType::F32, {1}))].name, "x");
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.add_value("x", fb::DType::F32, {1}))].name,
            "x_1");
  EXPECT_EQ(graph.unique_name("x"), "x_2");
  EXPECT_EQ(graph.unique_name("y"), "y");
  EXPECT_EQ(graph.find_value("x_1"), 1);
  EXPECT_EQ(graph.find_value("nope"), -1);
}

TEST(ConverterIrTest, ConstantsHoldTheirData) {
  Graph graph;
  const int f = graph.add_constant("w", {2, 2}, {1, 2, 3, 4});
  const int i = graph.add_constant_i64("shape", {2}, {3, -1});
  EXPECT_TRUE(graph.values[static_cast<size_t>(f)].is_constant);
  EXPECT_EQ(graph.values[static_cast<size_t>(f)].to_f32(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(graph.values[static_cast<size_t>(i)].dtype, fb::DType::I64);
  EXPECT_EQ(graph.values[static_cast<size_t>(i)].to_i64(), (std::vector<int64_t>{3, -1}));
  EXPECT_THROW(graph.add_constant("bad", {3}, {1, 2}), ConvertError);
}

TEST(ConverterIrTest, ProducersAndConsumers) {
  Chain c;
  EXPECT_EQ(c.graph.producer(c.a), 0);
  EXPECT_EQ(c.graph.producer(c.x), -1);
  EXPECT_EQ(c.graph.consumers(c.a), (std::vector<int>{1, 2}));
  EXPECT_TRUE(c.graph.is_graph_output(c.out));
  EXPECT_FALSE(c.graph.is_graph_output(c.b));

  c.graph.nodes[1].dead = true;
  EXPECT_EQ(c.graph.producer(c.b), -1);
  EXPECT_EQ(c.graph.consumers(c.a), (std::vector<int>{2}));
}

TEST(ConverterIrTest, ReplaceUsesRewiresReadersAndOutputs) {
  Chain c;
  c.graph.replace_uses(c.a, c.x);
  EXPECT_EQ(c.graph.nodes[1].inputs, (std::vector<int>{c.x}));
  EXPECT_EQ(c.graph.nodes[2].inputs, (std::vector<int>{c.x, c.b}));
  c.graph.replace_uses(c.out, c.b);
  EXPECT_EQ(c.graph.outputs, (std::vector<int>{c.b}));
}

TEST(ConverterIrTest, TopologicalSortOrdersAndKeepsSortedGraphs) {
  Chain c;
  std::swap(c.graph.nodes[0], c.graph.nodes[2]);  // add, relu_b, relu_a
  c.graph.topological_sort();
  ASSERT_EQ(c.graph.nodes.size(), 3u);
  EXPECT_EQ(c.graph.nodes[0].name, "relu_a");
  EXPECT_EQ(c.graph.nodes[1].name, "relu_b");
  EXPECT_EQ(c.graph.nodes[2].name, "add");

  c.graph.topological_sort();
  EXPECT_EQ(c.graph.nodes[0].name, "relu_a");
  EXPECT_EQ(c.graph.nodes[2].name, "add");
}

TEST(ConverterIrTest, TopologicalSortRejectsCycles) {
  Chain c;
  c.graph.nodes[0].inputs = {c.b};  // relu_a reads relu_b's output
  try {
    c.graph.topological_sort();
    FAIL() << "no error";
  } catch (const ConvertError& error) {
    EXPECT_EQ(error.code(), Code::kInvalidModel);
  }
}

TEST(ConverterIrTest, CompactDropsDeadAndUnreadNodesAndRenumbers) {
  Chain c;
  const int unused_constant = c.graph.add_constant("unused", {1}, {0});
  const int dangling = c.graph.add_value("dangling", fb::DType::F32, {2, 3});
  const int dangling2 = c.graph.add_value("dangling2", fb::DType::F32, {2, 3});
  c.graph.add_node(relu_node(c.b, dangling, "unread_1"));
  c.graph.add_node(relu_node(dangling, dangling2, "unread_2"));
  (void)unused_constant;
  // out = a + a; relu_b is then unread too.
  c.graph.nodes[2].inputs = {c.a, c.a};
  c.graph.compact();

  ASSERT_EQ(c.graph.nodes.size(), 2u);
  EXPECT_EQ(c.graph.nodes[0].name, "relu_a");
  EXPECT_EQ(c.graph.nodes[1].name, "add");
  ASSERT_EQ(c.graph.values.size(), 3u);
  EXPECT_EQ(c.graph.values[0].name, "x");
  EXPECT_EQ(c.graph.values[1].name, "a");
  EXPECT_EQ(c.graph.values[2].name, "out");
  EXPECT_EQ(c.graph.nodes[0].inputs, (std::vector<int>{0}));
  EXPECT_EQ(c.graph.nodes[0].outputs, (std::vector<int>{1}));
  EXPECT_EQ(c.graph.nodes[1].inputs, (std::vector<int>{1, 1}));
  EXPECT_EQ(c.graph.outputs, (std::vector<int>{2}));
  EXPECT_EQ(c.graph.inputs, (std::vector<int>{0}));
}

TEST(ConverterIrTest, CompactKeepsUnusedGraphInputs) {
  Graph graph;
  const int x = graph.add_value("x", fb::DType::F32, {1});
  const int unused = graph.add_value("unused_input", fb::DType::F32, {1});
  const int y = graph.add_value("y", fb::DType::F32, {1});
  graph.inputs = {x, unused};
  graph.outputs = {y};
  graph.add_node(relu_node(x, y, "relu"));
  graph.compact();
  EXPECT_EQ(graph.values.size(), 3u);
  EXPECT_EQ(graph.inputs.size(), 2u);
}

TEST(ConverterIrTest, AddNodeChecksIndices) {
  Graph graph;
  const int x = graph.add_value("x", fb::DType::F32, {1});
  EXPECT_THROW(graph.add_node(relu_node(x, 5, "bad")), ConvertError);
}

}  // namespace
}  // namespace sprig::convert
