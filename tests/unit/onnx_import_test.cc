// The ONNX importer (converter/import/onnx/): small models built with the protobuf API, written to
// a temporary file and imported; the resulting IR is checked node by node, and numerically on the
// reference backend where the semantics are subtle.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "tests/common/test_util.h"

namespace sprig::convert {
namespace {

using Dims = std::vector<int64_t>;

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset) {
    model_.set_ir_version(7);
    model_.set_producer_name("onnx_import_test");
    onnx::OperatorSetIdProto* op_set = model_.add_opset_import();
    op_set->set_domain("");
    op_set->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // dims: -1 is a symbolic dimension.
  void input(const std::string& name, const Dims& dims, int elem_type = onnx::TensorProto::FLOAT) {
    onnx::ValueInfoProto* info = graph().add_input();
    info->set_name(name);
    onnx::TypeProto::Tensor* type = info->mutable_type()->mutable_tensor_type();
    type->set_elem_type(elem_type);
    onnx::TensorShapeProto* shape = type->mutable_shape();
    for (int64_t d : dims) {
      if (d < 0)
        shape->add_dim()->set_dim_param("batch");
      else
        shape->add_dim()->set_dim_value(d);
    }
  }

  void output(const std::string& name) { graph().add_output()->set_name(name); }

  onnx::TensorProto& floats(const std::string& name, const Dims& dims,
                            const std::vector<float>& values) {
    onnx::TensorProto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *t;
  }

  onnx::TensorProto& ints(const std::string& name, const Dims& dims,
                          const std::vector<int64_t>& values) {
    onnx::TensorProto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
    return *t;
  }

  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    onnx::NodeProto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(graph().node_size() - 1) : name);
    for (const std::string& in : inputs) n->add_input(in);
    for (const std::string& out : outputs) n->add_output(out);
    return *n;
  }

  // Writes the model to a temporary file and returns its path.
  std::string write() {
    char path[] = "/tmp/sprig_onnx_import_XXXXXX";
    const int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    close(fd);
    std::ofstream out(path, std::ios::binary);
    model_.SerializeToOstream(&out);
    paths_.push_back(path);
    return path;
  }

  Graph import(const ConvertOptions& options = ConvertOptions()) {
    return import_onnx(write(), options);
  }

  ~OnnxBuilder() {
    for (const std::string& path : paths_) std::remove(path.c_str());
  }

 private:
  onnx::ModelProto model_;
  std::vector<std::string> paths_;
};

void set_ints(onnx::NodeProto& node, const std::string& name, const Dims& values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void set_int(onnx::NodeProto& node, const std::string& name, int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

std::vector<float> iota(size_t n, float start = 0.0f, float step = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

std::vector<fb::OpType> op_types(const Graph& graph) {
  std::vector<fb::OpType> types;
  for (const Node& node : graph.nodes) types.push_back(node.type);
  return types;
}

const Value& value_named(const Graph& graph, const std::string& name) {
  const int v = graph.find_value(name);
  EXPECT_GE(v, 0) << name;
  return graph.values[static_cast<size_t>(v < 0 ? 0 : v)];
}


ConvertError import_error(OnnxBuilder& builder, const ConvertOptions& options = ConvertOptions()) {
  try {
    builder.import(options);
  } catch (const ConvertError& error) {
    return error;
  }
  ADD_FAILURE() << "import succeeded";
  return ConvertError(Code::kOk, "");
}

// x [1,3,6,6] -> Conv(w [4,3,3,3], b, pads 1) -> BatchNormalization -> Relu -> y
OnnxBuilder conv_bn_relu(int opset) {
  OnnxBuilder b(opset);
  b.input("x", {1, 3, 6, 6});
  b.floats("conv.weight", {4, 3, 3, 3}, iota(108, -1.0f, 0.02f));
  b.floats("conv.bias", {4}, {0.1f, -0.2f, 0.3f, 0.0f});
  b.floats("bn.scale", {4}, {1.0f, 0.5f, 2.0f, 1.5f});
  b.floats("bn.bias", {4}, {0.0f, 0.1f, -0.1f, 0.2f});
  b.floats("bn.mean", {4}, {0.05f, -0.05f, 0.1f, 0.0f});
  b.floats("bn.var", {4}, {1.0f, 0.5f, 2.0f, 0.25f});
  onnx::NodeProto& conv = b.node("Conv", {"x", "conv.weight", "conv.bias"}, {"c"}, "Conv_0");
  set_ints(conv, "pads", {1, 1, 1, 1});
  set_ints(conv, "kernel_shape", {3, 3});
  set_float(b.node("BatchNormalization", {"c", "bn.scale", "bn.bias", "bn.mean", "bn.var"}, {"n"}),
            "epsilon", 1e-3f);
  b.node("Relu", {"n"}, {"y"});
  b.output("y");
  return b;
}

TEST(OnnxImportTest, ConvBatchNormReluImportsInNhwcBetweenTransposes) {
  OnnxBuilder b = conv_bn_relu(13);
  const Graph graph = b.import();
  EXPECT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Transpose, fb::OpType::Conv2D,
                                                      fb::OpType::Transpose, fb::OpType::BatchNorm,
                                                      fb::OpType::Activation}));
  EXPECT_EQ(graph.nodes[0].options.AsTransposeOptions()->perm, (std::vector<int>{0, 2, 3, 1}));
  EXPECT_EQ(graph.nodes[2].options.AsTransposeOptions()->perm, (std::vector<int>{0, 3, 1, 2}));

  const Node& conv = graph.nodes[1];
  EXPECT_EQ(conv.name, "Conv_0");
  const fb::Conv2DOptionsT& o = *conv.options.AsConv2DOptions();
  EXPECT_EQ(o.pad_top, 1);
  EXPECT_EQ(o.pad_right, 1);
  EXPECT_EQ(o.stride_h, 1);
  EXPECT_EQ(o.groups, 1);
  EXPECT_EQ(graph.values[static_cast<size_t>(conv.outputs[0])].shape, (Dims{1, 6, 6, 4}));

  // Weights OIHW -> OHWI, keeping the initializer's name.
  const Value& w = graph.values[static_cast<size_t>(conv.inputs[1])];
  EXPECT_EQ(w.name, "conv.weight");
  EXPECT_EQ(w.shape, (Dims{4, 3, 3, 3}));
  const std::vector<float> oihw = iota(108, -1.0f, 0.02f);
  const std::vector<float> ohwi = w.to_f32();
  for (int oc = 0; oc < 4; ++oc)
    for (int c = 0; c < 3; ++c)
      for (int kh = 0; kh < 3; ++kh)
        for (int kw = 0; kw < 3; ++kw)
          ASSERT_EQ(ohwi[static_cast<size_t>(((oc * 3 + kh) * 3 + kw) * 3 + c)],
                    oihw[static_cast<size_t>(((oc * 3 + c) * 3 + kh) * 3 + kw)]);

  EXPECT_EQ(graph.nodes[3].options.AsBatchNormOptions()->axis, 1);
  EXPECT_FLOAT_EQ(graph.nodes[3].options.AsBatchNormOptions()->epsilon, 1e-3f);
  EXPECT_EQ(graph.nodes[4].options.AsActivationOptions()->activation->kind,
            fb::ActivationKind::Relu);

  ASSERT_EQ(graph.inputs.size(), 1u);
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.inputs[0])].name, "x");
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.inputs[0])].shape, (Dims{1, 3, 6, 6}));
  ASSERT_EQ(graph.outputs.size(), 1u);
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.outputs[0])].name, "y");
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.outputs[0])].shape, (Dims{1, 4, 6, 6}));
  EXPECT_TRUE(test::load_bytes_status(test::serialize(graph)).ok());
}

TEST(OnnxImportTest, ConvBatchNormReluOptimizesToOneFusedConv) {
  OnnxBuilder b = conv_bn_relu(13);
  const Graph imported = b.import();
  Graph optimized = imported;
  optimize_graph(optimized, ConvertOptions());
  EXPECT_EQ(op_types(optimized), (std::vector<fb::OpType>{fb::OpType::Transpose, fb::OpType::Conv2D,
                                                          fb::OpType::Transpose}));
  EXPECT_EQ(optimized.nodes[1].options.AsConv2DOptions()->fused->kind, fb::ActivationKind::Relu);

  std::vector<float> x(108);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i));
  const std::vector<float> expected = test::run_graph(imported, x);
  const std::vector<float> actual = test::run_graph(optimized, x);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5f) << i;
}

TEST(OnnxImportTest, UnsupportedOpNamesNodeOpAndOpset) {
  OnnxBuilder b(13);
  b.input("x", {1, 3, 4, 4});
  b.floats("w", {3, 2, 3, 3}, iota(54));
  b.node("ConvTranspose", {"x", "w"}, {"y"}, "Conv_3");
  b.output("y");
  const ConvertError error = import_error(b);
  EXPECT_EQ(error.code(), Code::kUnsupported);
  EXPECT_STREQ(error.what(), "node 'Conv_3' (ConvTranspose, opset 13): op not supported");
}

TEST(OnnxImportTest, UnsupportedAttributeAndDomainAreNamed) {
  OnnxBuilder b(12);
  b.input("x", {1, 2, 4, 4});
  onnx::NodeProto& pool = b.node("MaxPool", {"x"}, {"y"}, "pool");
  set_ints(pool, "kernel_shape", {2, 2});
  set_int(pool, "storage_order", 1);
  b.output("y");
  ConvertError error = import_error(b);
  EXPECT_EQ(error.code(), Code::kUnsupported);
  EXPECT_NE(std::string(error.what()).find("node 'pool' (MaxPool, opset 12)"), std::string::npos)
      << error.what();
  EXPECT_NE(std::string(error.what()).find("storage_order"), std::string::npos) << error.what();

  OnnxBuilder c(13);
  c.input("x", {1, 2});
  c.node("Relu", {"x"}, {"y"}, "custom").set_domain("com.example");
  c.output("y");
  error = import_error(c);
  EXPECT_EQ(error.code(), Code::kUnsupported);
  EXPECT_NE(std::string(error.what()).find("com.example"), std::string::npos) << error.what();

  OnnxBuilder d(13);
  d.input("x", {1, 2, 4, 4});
  set_ints(d.node("Conv", {"x", "w"}, {"y"}), "kernel_shape", {1, 1});
  onnx::TensorProto& w = d.floats("w", {2, 2, 1, 1}, {});
  w.set_data_type(onnx::TensorProto::DOUBLE);
  d.output("y");
  error = import_error(d);
  EXPECT_EQ(error.code(), Code::kUnsupported);
  EXPECT_NE(std::string(error.what()).find("DOUBLE"), std::string::npos) << error.what();
}

TEST(OnnxImportTest, OpsetsOutside11To17AreRefused) {
  for (int opset : {10, 18}) {
    OnnxBuilder b(opset);
    b.input("x", {1, 2});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    const ConvertError error = import_error(b);
    EXPECT_EQ(error.code(), Code::kUnsupported);
    EXPECT_NE(std::string(error.what()).find("opset " + std::to_string(opset)), std::string::npos)
        << error.what();
  }
}

TEST(OnnxImportTest, UnreadableFilesAreReported) {
  try {
    import_onnx("/nonexistent/model.onnx", ConvertOptions());
    FAIL() << "no error";
  } catch (const ConvertError& error) {
    EXPECT_EQ(error.code(), Code::kIo);
  }
  const std::string path = "/tmp/sprig_onnx_import_garbage.onnx";
  std::ofstream(path) << "this is not a protobuf \xff\xff\xff";
  try {
    import_onnx(path, ConvertOptions());
    FAIL() << "no error";
  } catch (const ConvertError& error) {
    EXPECT_EQ(error.code(), Code::kInvalidModel);
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
  std::remove(path.c_str());
}

TEST(OnnxImportTest, ExternalDataIsRefused) {
  OnnxBuilder b(13);
  b.input("x", {1, 2});
  onnx::TensorProto& w = b.floats("w", {2, 2}, {});
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  onnx::StringStringEntryProto* entry = w.add_external_data();
  entry->set_key("location");
  entry->set_value("weights.bin");
  b.node("MatMul", {"x", "w"}, {"y"});
  b.output("y");
  EXPECT_EQ(import_error(b).code(), Code::kUnsupported);
}

TEST(OnnxImportTest, ShapeComputationChainsFoldToConstants) {
  // y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): a flatten written the way
  // exporters write x.view(x.size(0), -1), with a dynamic batch.
  OnnxBuilder b(13);
  b.input("x", {-1, 3, 4, 5});
  b.ints("zero", {}, {0});
  b.ints("axes", {1}, {0});
  b.ints("minus_one", {1}, {-1});
  b.node("Shape", {"x"}, {"shape"});
  set_int(b.node("Gather", {"shape", "zero"}, {"batch"}), "axis", 0);
  b.node("Unsqueeze", {"batch", "axes"}, {"batch_1d"});
  set_int(b.node("Concat", {"batch_1d", "minus_one"}, {"target"}), "axis", 0);
  b.node("Reshape", {"x", "target"}, {"y"}, "flatten");
  b.output("y");
  ConvertOptions options;
  options.dynamic_dim = 2;
  const Graph graph = b.import(options);
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Reshape}));
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.inputs[0])].shape, (Dims{2, 3, 4, 5}));
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{2, 60}));
  EXPECT_EQ(graph.values.size(), 2u);  // no constants left behind
}

TEST(OnnxImportTest, BroaderShapeChainsFold) {
  // ConstantOfShape / Range / Equal / Where / Expand / Cast / Slice / arithmetic on constants give
  // the Reshape target [2, 12] for x [2, 3, 4].
  OnnxBuilder b(13);
  b.input("x", {2, 3, 4});
  b.ints("one", {1}, {1});
  b.ints("start", {}, {0});
  b.ints("limit", {}, {2});
  b.ints("delta", {}, {1});
  b.ints("slice_start", {1}, {1});
  b.ints("slice_end", {1}, {INT64_MAX});
  b.node("Shape", {"x"}, {"shape"});                                 // [2, 3, 4]
  b.node("Slice", {"shape", "slice_start", "slice_end"}, {"tail"});  // [3, 4]
  b.node("ConstantOfShape", {"one"}, {"zeros_f"});                   // [0.0]
  set_int(b.node("Cast", {"zeros_f"}, {"zeros"}), "to", onnx::TensorProto::INT64);
  b.node("Range", {"start", "limit", "delta"}, {"range"});  // [0, 1]
  b.node("Equal", {"range", "zeros"}, {"is_first"});        // [true, false]
  b.node("Mul", {"tail", "one"}, {"tail2"});                // [3, 4]
  b.node("Sub", {"tail2", "one"}, {"tail3"});               // [2, 3]
  b.node("Add", {"tail3", "one"}, {"tail4"});               // [3, 4]
  b.node("Div", {"tail4", "one"}, {"tail5"});               // [3, 4]
  b.ints("dims_first", {2}, {2, 2});
  b.node("Where", {"is_first", "dims_first", "tail5"}, {"picked"});  // [2, 4]
  b.ints("three", {1}, {3});
  b.node("Mul", {"picked", "three"}, {"scaled"});  // [6, 12]
  b.ints("two_dims", {1}, {2});
  b.node("Expand", {"one", "two_dims"}, {"ones"});  // [1, 1]
  b.node("Div", {"scaled", "ones"}, {"same"});      // [6, 12]
  b.ints("idx", {1}, {1});
  set_int(b.node("Gather", {"same", "idx"}, {"last"}), "axis", 0);  // [12]
  b.ints("minus_one", {1}, {-1});
  set_int(b.node("Concat", {"minus_one", "last"}, {"target"}), "axis", 0);
  b.node("Reshape", {"x", "target"}, {"y"});
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Reshape}));
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{2, 12}));
}

OnnxBuilder softmax_model(int opset) {
  OnnxBuilder b(opset);
  b.input("x", {2, 3, 4});
  set_int(b.node("Softmax", {"x"}, {"y"}), "axis", 1);
  b.output("y");
  return b;
}

TEST(OnnxImportTest, SoftmaxBeforeOpset13FlattensAtTheAxis) {
  std::vector<float> x(24);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(1.3f * static_cast<float>(i));

  OnnxBuilder old_softmax = softmax_model(11);
  const Graph flattened = old_softmax.import();
  EXPECT_EQ(op_types(flattened), (std::vector<fb::OpType>{fb::OpType::Reshape, fb::OpType::Softmax,
                                                          fb::OpType::Reshape}));
  EXPECT_EQ(flattened.values[static_cast<size_t>(flattened.nodes[1].inputs[0])].shape,
            (Dims{2, 12}));
  // Opset 11: each batch row's 12 values sum to 1.
  const std::vector<float> y11 = test::run_graph(flattened, x);
  ASSERT_EQ(y11.size(), 24u);
  for (int n = 0; n < 2; ++n) {
    double sum = 0, expected_sum = 0;
    for (int i = 0; i < 12; ++i) {
      sum += y11[static_cast<size_t>(n * 12 + i)];
      expected_sum += std::exp(static_cast<double>(x[static_cast<size_t>(n * 12 + i)]));
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
    EXPECT_NEAR(y11[static_cast<size_t>(n * 12)],
                std::exp(x[static_cast<size_t>(n * 12)]) / expected_sum, 1e-5);
  }

  OnnxBuilder new_softmax = softmax_model(13);
  const Graph per_axis = new_softmax.import();
  ASSERT_EQ(op_types(per_axis), (std::vector<fb::OpType>{fb::OpType::Softmax}));
  EXPECT_EQ(per_axis.nodes[0].options.AsSoftmaxOptions()->axis, 1);
  // Opset 13: the 3 values along axis 1 sum to 1 for every (n, w).
  const std::vector<float> y13 = test::run_graph(per_axis, x);
  ASSERT_EQ(y13.size(), 24u);
  for (int n = 0; n < 2; ++n)
    for (int w = 0; w < 4; ++w) {
      double sum = 0;
      for (int c = 0; c < 3; ++c) sum += y13[static_cast<size_t>((n * 3 + c) * 4 + w)];
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
}

TEST(OnnxImportTest, DynamicDimensionsAndInputShapes) {
  OnnxBuilder b(13);
  b.input("x", {-1, 3});
  b.node("Relu", {"x"}, {"y"});
  b.output("y");
  ConvertOptions options;
  options.dynamic_dim = 7;
  EXPECT_EQ(b.import(options).values[0].shape, (Dims{7, 3}));
  options.input_shapes["x"] = {5, 3};
  EXPECT_EQ(b.import(options).values[0].shape, (Dims{5, 3}));
  options.input_shapes["x"] = {5, 3, 1};
  EXPECT_EQ(import_error(b, options).code(), Code::kInvalidArgument);
  options.input_shapes = {{"nope", {1, 3}}};
  EXPECT_EQ(import_error(b, options).code(), Code::kInvalidArgument);
}

TEST(OnnxImportTest, InitializersListedAsInputsAreConstants) {
  OnnxBuilder b(13);
  b.input("x", {1, 4});
  b.input("w", {3, 4});  // older exporters list initializers as inputs too
  b.floats("w", {3, 4}, iota(12));
  b.floats("b", {3}, {1, 2, 3});
  onnx::NodeProto& gemm = b.node("Gemm", {"x", "w", "b"}, {"y"});
  set_int(gemm, "transB", 1);
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(graph.inputs.size(), 1u);
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::FullyConnected}));
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.nodes[0].inputs[1])].to_f32(), iota(12));
}

TEST(OnnxImportTest, GemmFoldsTransposeAlphaAndBeta) {
  OnnxBuilder b(13);
  b.input("a", {2, 3});
  b.floats("B", {3, 2}, {1, 2, 3, 4, 5, 6});  // [K, N], transB = 0
  b.floats("C", {2}, {10, 20});
  onnx::NodeProto& gemm = b.node("Gemm", {"a", "B", "C"}, {"y"});
  set_float(gemm, "alpha", 2.0f);
  set_float(gemm, "beta", 0.5f);
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::FullyConnected}));
  const Value& w = graph.values[static_cast<size_t>(graph.nodes[0].inputs[1])];
  EXPECT_EQ(w.shape, (Dims{2, 3}));
  EXPECT_EQ(w.to_f32(), (std::vector<float>{2, 6, 10, 4, 8, 12}));
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.nodes[0].inputs[2])].to_f32(),
            (std::vector<float>{5, 10}));
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{2, 2}));

  // a [2, 3] = rows of ones: y[n] = 2 * sum_k B[k][n] + 0.5 * C[n]
  EXPECT_EQ(test::run_graph(graph, std::vector<float>(6, 1.0f)), (std::vector<float>{23, 34, 23, 34}));
}

TEST(OnnxImportTest, MatMulWithConstantMatrixBecomesFullyConnected) {
  OnnxBuilder b(13);
  b.input("x", {2, 5, 3});
  b.input("z", {2, 4, 6});
  b.floats("W", {3, 4}, iota(12));
  b.node("MatMul", {"x", "W"}, {"h"});
  b.node("MatMul", {"h", "z"}, {"y"});
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph),
            (std::vector<fb::OpType>{fb::OpType::FullyConnected, fb::OpType::MatMul}));
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.nodes[0].inputs[1])].shape, (Dims{4, 3}));
  EXPECT_EQ(value_named(graph, "h").shape, (Dims{2, 5, 4}));
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{2, 5, 6}));
}

TEST(OnnxImportTest, SliceClampsOutOfRangeBounds) {
  OnnxBuilder b(13);
  b.input("x", {2, 10, 6});
  b.ints("starts", {3}, {-100, 8, 1});
  b.ints("ends", {3}, {INT64_MAX, -100, -1});
  b.ints("axes", {3}, {0, 1, -1});
  b.ints("steps", {3}, {1, -3, 2});
  b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"});
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Slice}));
  const fb::SliceOptionsT& o = *graph.nodes[0].options.AsSliceOptions();
  EXPECT_EQ(o.starts, (Dims{0, 8, 1}));
  EXPECT_EQ(o.steps, (Dims{1, -3, 2}));
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{2, 3, 2}));  // rows 8, 5, 2; columns 1, 3
}

TEST(OnnxImportTest, SqueezeAndUnsqueezeReadAxesPerOpset) {
  for (int opset : {11, 13}) {
    OnnxBuilder b(opset);
    b.input("x", {2, 1, 3});
    onnx::NodeProto& squeeze = b.node("Squeeze", {"x"}, {"s"});
    onnx::NodeProto& unsqueeze = b.node("Unsqueeze", {"s"}, {"y"});
    if (opset < 13) {
      set_ints(squeeze, "axes", {1});
      set_ints(unsqueeze, "axes", {0, -1});
    } else {
      b.ints("squeeze_axes", {1}, {1});
      b.ints("unsqueeze_axes", {2}, {0, -1});
      squeeze.add_input("squeeze_axes");
      unsqueeze.add_input("unsqueeze_axes");
    }
    b.output("y");
    const Graph graph = b.import();
    EXPECT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Reshape, fb::OpType::Reshape}));
    EXPECT_EQ(value_named(graph, "s").shape, (Dims{2, 3}));
    EXPECT_EQ(value_named(graph, "y").shape, (Dims{1, 2, 3, 1}));
  }
}

TEST(OnnxImportTest, PadReadsPadsAndValueFromConstants) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4});
  b.ints("pads", {8}, {0, 0, 1, 2, 0, 0, 3, 1});
  b.floats("value", {}, {0.5f});
  b.node("Pad", {"x", "pads", "value"}, {"p"});
  set_string(b.node("Pad", {"p", "pads"}, {"y"}), "mode", "reflect");
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Pad, fb::OpType::Pad}));
  EXPECT_EQ(graph.nodes[0].options.AsPadOptions()->pads, (Dims{0, 0, 1, 2, 0, 0, 3, 1}));
  EXPECT_EQ(graph.nodes[0].options.AsPadOptions()->mode, fb::PadMode::Constant);
  EXPECT_FLOAT_EQ(graph.nodes[0].options.AsPadOptions()->value, 0.5f);
  EXPECT_EQ(graph.nodes[1].options.AsPadOptions()->mode, fb::PadMode::Reflect);
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{1, 2, 12, 10}));
}

TEST(OnnxImportTest, PoolingWindowsFollowAutoPadAndCeilMode) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 7, 7});
  onnx::NodeProto& max = b.node("MaxPool", {"x"}, {"m"});
  set_ints(max, "kernel_shape", {3, 3});
  set_ints(max, "strides", {2, 2});
  set_int(max, "ceil_mode", 1);
  onnx::NodeProto& avg = b.node("AveragePool", {"m"}, {"y"});
  set_ints(avg, "kernel_shape", {2, 2});
  set_ints(avg, "strides", {2, 2});
  set_string(avg, "auto_pad", "SAME_UPPER");
  b.output("y");
  const Graph graph = b.import();
  EXPECT_EQ(value_named(graph, "m").shape, (Dims{1, 2, 3, 3}));
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{1, 2, 2, 2}));
  const fb::Pool2DOptionsT* avg_options = nullptr;
  for (const Node& node : graph.nodes)
    if (node.type == fb::OpType::AveragePool2D) avg_options = node.options.AsPool2DOptions();
  ASSERT_NE(avg_options, nullptr);
  EXPECT_EQ(avg_options->pad_top, 0);
  EXPECT_EQ(avg_options->pad_bottom, 1);
  EXPECT_EQ(avg_options->pad_right, 1);
}

TEST(OnnxImportTest, MaxPoolIndicesAreRefusedWhenRead) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 4, 4});
  set_ints(b.node("MaxPool", {"x"}, {"y", "indices"}), "kernel_shape", {2, 2});
  b.output("y");
  b.output("indices");
  EXPECT_EQ(import_error(b).code(), Code::kUnsupported);
}

TEST(OnnxImportTest, DropoutAndIdentityDisappearAndOutputsKeepTheirNames) {
  OnnxBuilder b(13);
  b.input("x", {1, 4});
  b.node("Relu", {"x"}, {"r"});
  b.node("Dropout", {"r"}, {"d"});
  b.node("Identity", {"d"}, {"y"});
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Activation}));
  EXPECT_EQ(graph.values[static_cast<size_t>(graph.outputs[0])].name, "y");
}

TEST(OnnxImportTest, ClipBoundsComeFromInputs) {
  OnnxBuilder b(13);
  b.input("x", {1, 4});
  b.floats("lo", {}, {0.0f});
  b.floats("hi", {}, {6.0f});
  b.node("Clip", {"x", "lo", "hi"}, {"c"});
  b.node("Clip", {"c", "lo"}, {"y"});
  b.output("y");
  const Graph graph = b.import();
  const fb::ActivationT& relu6 = *graph.nodes[0].options.AsActivationOptions()->activation;
  EXPECT_EQ(relu6.kind, fb::ActivationKind::Clip);
  EXPECT_EQ(relu6.alpha, 0.0f);
  EXPECT_EQ(relu6.beta, 6.0f);
  EXPECT_EQ(graph.nodes[1].options.AsActivationOptions()->activation->kind,
            fb::ActivationKind::Relu);
}

TEST(OnnxImportTest, ErfGeluSubgraphBecomesOneGelu) {
  OnnxBuilder b(13);
  b.input("x", {1, 8});
  b.floats("sqrt2", {}, {1.4142135f});
  b.floats("one", {}, {1.0f});
  b.floats("half", {}, {0.5f});
  b.node("Div", {"x", "sqrt2"}, {"d"});
  b.node("Erf", {"d"}, {"e"});
  b.node("Add", {"e", "one"}, {"a"});
  b.node("Mul", {"x", "a"}, {"m"});
  b.node("Mul", {"m", "half"}, {"y"});
  b.output("y");
  const Graph graph = b.import();
  ASSERT_EQ(op_types(graph), (std::vector<fb::OpType>{fb::OpType::Activation}));
  EXPECT_EQ(graph.nodes[0].options.AsActivationOptions()->activation->kind,
            fb::ActivationKind::Gelu);

  OnnxBuilder lone(13);
  lone.input("x", {1, 8});
  lone.node("Erf", {"x"}, {"y"}, "erf");
  lone.output("y");
  EXPECT_EQ(import_error(lone).code(), Code::kUnsupported);
}

TEST(OnnxImportTest, OneDimensionalConvRunsAsTwoDimensional) {
  OnnxBuilder b(13);
  b.input("x", {1, 2, 10});
  b.floats("w", {4, 2, 3}, iota(24));
  onnx::NodeProto& conv = b.node("Conv", {"x", "w"}, {"y"});
  set_ints(conv, "strides", {2});
  set_ints(conv, "pads", {1, 1});
  b.output("y");
  const Graph graph = b.import();
  EXPECT_EQ(value_named(graph, "y").shape, (Dims{1, 4, 5}));
  for (const Node& node : graph.nodes)
    if (node.type == fb::OpType::Conv2D) {
      EXPECT_EQ(graph.values[static_cast<size_t>(node.inputs[1])].shape, (Dims{4, 1, 3, 2}));
      EXPECT_EQ(node.options.AsConv2DOptions()->stride_w, 2);
      EXPECT_EQ(node.options.AsConv2DOptions()->pad_left, 1);
      EXPECT_EQ(node.options.AsConv2DOptions()->pad_top, 0);
    }
  EXPECT_TRUE(test::load_bytes_status(test::serialize(graph)).ok());
}

}  // namespace
}  // namespace sprig::convert
