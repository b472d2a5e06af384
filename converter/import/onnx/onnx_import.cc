// import_onnx: initializers and Constant nodes become import-time constants, graph inputs get
// static shapes, and every node goes through its op importer (op_registry.cc).
#include <algorithm>
#include <set>

#include "converter/convert.h"
#include "converter/import/onnx/gelu_pattern.h"
#include "converter/import/onnx/model_file.h"
#include "converter/import/onnx/op_importers.h"

namespace sprig::convert {
namespace {

using onnx_import::Dims;
using onnx_import::Importer;

std::string node_label(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  return node.output_size() > 0 ? node.output(0) : std::string();
}

// `gelu_input` is set for the last node of an Erf-based Gelu subgraph, which becomes one Gelu.
void import_node(Importer& im, const onnx::NodeProto& node, const std::string* gelu_input) {
  const std::string label = node_label(node);
  try {
    if (gelu_input) {
      im.begin_node(label);
      onnx_import::import_gelu(im, *gelu_input, node.output(0));
      return;
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      fail(Code::kUnsupported, "operator domain '" + node.domain() + "' not supported");
    const onnx_import::OpImporter importer =
        onnx_import::find_op_importer(node.op_type(), im.opset());
    if (!importer) fail(Code::kUnsupported, "op not supported");
    for (const std::string& input : node.input())
      if (!input.empty() && !im.is_defined(input))
        fail(Code::kInvalidModel, "input '" + input + "' is not computed before this node");
    im.begin_node(label);
    importer(im, node);
  } catch (const ConvertError& error) {
    fail(error.code(), "node '" + label + "' (" + node.op_type() + ", opset " +
                           std::to_string(im.opset()) + "): " + error.what());
  }
}

Dims input_shape(const onnx::ValueInfoProto& input, const ConvertOptions& options) {
  const std::string& name = input.name();
  const onnx::TypeProto::Tensor& type = input.type().tensor_type();
  auto given = options.input_shapes.find(name);
  if (given != options.input_shapes.end()) {
    for (int64_t d : given->second)
      if (d < 1)
        fail(Code::kInvalidArgument, "input shape for '" + name + "' has a dimension below 1");
    if (type.has_shape() && type.shape().dim_size() != static_cast<int>(given->second.size()))
      fail(Code::kInvalidArgument,
           "input shape for '" + name + "' has rank " + std::to_string(given->second.size()) +
               ", the model's input has rank " + std::to_string(type.shape().dim_size()));
    onnx_import::checked_numel(given->second);
    return given->second;
  }
  if (!type.has_shape())
    fail(Code::kInvalidArgument,
         "graph input '" + name + "' has no shape; give one with the input shapes option");
  Dims dims;
  for (const onnx::TensorShapeProto::Dimension& dim : type.shape().dim())
    dims.push_back(dim.has_dim_value() && dim.dim_value() > 0 ? dim.dim_value()
                                                              : options.dynamic_dim);
  onnx_import::checked_numel(dims);
  return dims;
}

void add_graph_inputs(Graph& graph, Importer& im, const onnx::GraphProto& proto,
                      const ConvertOptions& options) {
  if (options.dynamic_dim < 1)
    fail(Code::kInvalidArgument, "the dynamic dimension must be at least 1");
  std::set<std::string> declared;
  for (const onnx::ValueInfoProto& input : proto.input()) {
    declared.insert(input.name());
    if (im.is_defined(input.name()))
      continue;  // an initializer, listed as an input by older exporters
    if (!input.type().has_tensor_type())
      fail(Code::kUnsupported, "graph input '" + input.name() + "' is not a tensor");
    const int32_t elem_type = input.type().tensor_type().elem_type();
    if (elem_type != onnx::TensorProto::FLOAT)
      fail(Code::kUnsupported, "graph input '" + input.name() + "' has element type " +
                                   onnx_import::elem_type_name(elem_type) +
                                   " (only float32 inputs are supported)");
    const int v = graph.add_value(input.name(), fb::DType::F32, input_shape(input, options));
    graph.inputs.push_back(v);
    im.bind_value(input.name(), v);
  }
  for (const auto& [name, shape] : options.input_shapes)
    if (!declared.count(name))
      fail(Code::kInvalidArgument, "the model has no input named '" + name + "'");
}

std::set<std::string> used_names(const onnx::GraphProto& proto) {
  std::set<std::string> used;
  for (const onnx::NodeProto& node : proto.node())
    for (const std::string& input : node.input()) used.insert(input);
  for (const onnx::ValueInfoProto& output : proto.output()) used.insert(output.name());
  return used;
}

// Graph outputs keep their ONNX names, also when an alias (Identity, Dropout) produced them. An
// output that no node writes (a graph input, a constant, an output listed twice) gets a copy node,
// since the runtime computes every output with an op.
void add_graph_outputs(Graph& graph, Importer& im, const onnx::GraphProto& proto) {
  for (const onnx::ValueInfoProto& output : proto.output()) {
    const std::string& name = output.name();
    if (!im.is_defined(name))
      fail(Code::kInvalidModel, "graph output '" + name + "' is never computed");
    int v = im.value(name);
    const bool is_input =
        std::find(graph.inputs.begin(), graph.inputs.end(), v) != graph.inputs.end();
    if (is_input || graph.values[static_cast<size_t>(v)].is_constant || graph.is_graph_output(v)) {
      if (graph.values[static_cast<size_t>(v)].name == name)
        graph.values[static_cast<size_t>(v)].name = graph.unique_name(name + "_value");
      im.begin_node(name);
      v = im.emit_reshape(v, graph.values[static_cast<size_t>(v)].shape, name);
    }
    Value& value = graph.values[static_cast<size_t>(v)];
    if (value.name != name && graph.find_value(name) < 0) value.name = name;
    graph.outputs.push_back(v);
  }
}

}  // namespace

Graph import_onnx(const std::string& path, const ConvertOptions& options) {
  const onnx::ModelProto model = onnx_import::read_onnx_model(path);
  const int opset = onnx_import::default_opset(model);
  const onnx::GraphProto& proto = model.graph();
  Graph graph;
  graph.name = proto.name().empty() ? std::string("main") : proto.name();
  Importer im(graph, opset);
  for (const onnx::TensorProto& initializer : proto.initializer())
    im.bind_host(initializer.name(), onnx_import::tensor_from_proto(initializer));
  if (proto.sparse_initializer_size() > 0)
    fail(Code::kUnsupported, "sparse initializers are not supported");
  add_graph_inputs(graph, im, proto, options);
  im.set_used_names(used_names(proto));
  const onnx_import::GeluPatterns gelus = onnx_import::find_gelu_patterns(proto);
  for (int n = 0; n < proto.node_size(); ++n) {
    if (gelus.inner_nodes.count(n)) continue;
    auto gelu = gelus.last_node_input.find(n);
    import_node(im, proto.node(n), gelu == gelus.last_node_input.end() ? nullptr : &gelu->second);
  }
  add_graph_outputs(graph, im, proto);
  return graph;
}

}  // namespace sprig::convert
