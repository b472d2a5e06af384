#include "converter/passes/evaluate.h"

#include <cstdlib>
#include <cstring>
#include <memory>

#include "backends/reference/reference_backend.h"
#include "converter/ir/error.h"
#include "converter/serialize/serialize.h"
#include "runtime/core/session.h"

namespace sprig::convert {
namespace {

struct AlignedBytes {
  explicit AlignedBytes(const std::vector<uint8_t>& bytes)
      : data(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64))) {
    if (!data) fail(Code::kOutOfMemory, "out of memory evaluating a constant");
    std::memcpy(data, bytes.data(), bytes.size());
  }
  ~AlignedBytes() { std::free(data); }
  uint8_t* data;
};

}  // namespace

std::vector<std::vector<uint8_t>> evaluate_constant_node(const Graph& graph, int node_index) {
  const Node& node = graph.nodes.at(static_cast<size_t>(node_index));
  Graph single;
  single.name = "evaluate";
  Node copy = node;
  copy.inputs.clear();
  copy.outputs.clear();
  for (int v : node.inputs) {
    const Value& input = graph.values.at(static_cast<size_t>(v));
    if (!input.is_constant) fail(Code::kInvalidArgument, "node '" + node.name + "' has a non-constant input");
    copy.inputs.push_back(static_cast<int>(single.values.size()));
    single.values.push_back(input);
  }
  for (int v : node.outputs) {
    Value output = graph.values.at(static_cast<size_t>(v));
    output.is_constant = false;
    output.data.clear();
    copy.outputs.push_back(static_cast<int>(single.values.size()));
    single.outputs.push_back(static_cast<int>(single.values.size()));
    single.values.push_back(std::move(output));
  }
  single.nodes.push_back(std::move(copy));

  const std::vector<uint8_t> file = serialize_model(single, SerializeOptions{});
  AlignedBytes aligned(file);
  auto model = Model::load_from_memory(aligned.data, file.size());
  if (!model.ok())
    fail(model.status().code(), "cannot fold node '" + node.name + "': " + model.status().message());
  Backend* backends[] = {reference_backend()};
  SessionOptions options;
  options.backends = backends;
  options.num_backends = 1;
  auto session = Session::create(**model, options);
  if (!session.ok())
    fail(session.status().code(), "cannot fold node '" + node.name + "': " + session.status().message());
  const Status status = (*session)->run();
  if (!status.ok()) fail(status.code(), "cannot fold node '" + node.name + "': " + status.message());
  std::vector<std::vector<uint8_t>> outputs;
  for (int i = 0; i < (*session)->num_outputs(); ++i) {
    const TensorView& view = (*session)->output(i);
    const uint8_t* bytes = static_cast<const uint8_t*>(view.data);
    outputs.emplace_back(bytes, bytes + view.bytes());
  }
  return outputs;
}

}  // namespace sprig::convert
