#include "tests/common/tiny_model.h"

#include <cstring>

#include "converter/serialize/serialize.h"
#include "runtime/core/file_header.h"

namespace sprig::test {
namespace {

std::vector<float> ramp(size_t count, float scale) {
  std::vector<float> values(count);
  for (size_t i = 0; i < count; ++i) values[i] = scale * static_cast<float>(static_cast<int>(i % 7) - 3);
  return values;
}

}  // namespace

convert::Graph tiny_graph() {
  convert::Graph graph;
  graph.name = "tiny";
  const int x = graph.add_value("x", fb::DType::F32, {1, 5, 5, 2});
  const int w = graph.add_constant("conv.weight", {3, 3, 3, 2}, ramp(54, 0.1f));
  const int b = graph.add_constant("conv.bias", {3}, {0.1f, -0.2f, 0.3f});
  const int y = graph.add_value("conv.out", fb::DType::F32, {1, 3, 3, 3});
  const int flat = graph.add_value("flat", fb::DType::F32, {1, 27});
  const int fw = graph.add_constant("fc.weight", {4, 27}, ramp(108, 0.05f));
  const int out = graph.add_value("logits", fb::DType::F32, {1, 4});

  convert::Node conv;
  conv.type = fb::OpType::Conv2D;
  conv.name = "conv";
  conv.inputs = {x, w, b};
  conv.outputs = {y};
  fb::Conv2DOptionsT conv_options;
  conv_options.fused = std::make_unique<fb::ActivationT>();
  conv_options.fused->kind = fb::ActivationKind::Relu;
  conv.options.Set(std::move(conv_options));
  graph.add_node(std::move(conv));

  convert::Node reshape;
  reshape.type = fb::OpType::Reshape;
  reshape.name = "flatten";
  reshape.inputs = {y};
  reshape.outputs = {flat};
  reshape.options.Set(fb::ReshapeOptionsT());
  graph.add_node(std::move(reshape));

  convert::Node fc;
  fc.type = fb::OpType::FullyConnected;
  fc.name = "fc";
  fc.inputs = {flat, fw};
  fc.outputs = {out};
  fc.options.Set(fb::FullyConnectedOptionsT());
  graph.add_node(std::move(fc));

  graph.inputs = {x};
  graph.outputs = {out};
  return graph;
}

namespace {

// The data segment of `file` (empty when it has none).
std::vector<uint8_t> segment_of(const std::vector<uint8_t>& file) {
  FileHeader header;
  std::memcpy(&header, file.data(), sizeof(header));
  if (header.segments_offset >= file.size()) return {};
  return std::vector<uint8_t>(file.begin() + static_cast<long>(header.segments_offset), file.end());
}

}  // namespace

std::vector<uint8_t> rewrite_model(const std::vector<uint8_t>& file,
                                   const std::function<void(fb::ModelT&)>& mutate) {
  fb::ModelT model;
  fb::GetModel(file.data() + kFileHeaderSize)->UnPackTo(&model);
  mutate(model);
  return convert::assemble_file(model, segment_of(file));
}

std::vector<uint8_t> rewrite_adapter(const std::vector<uint8_t>& file,
                                     const std::function<void(fb::AdapterT&)>& mutate) {
  fb::AdapterT adapter;
  fb::GetAdapter(file.data() + kFileHeaderSize)->UnPackTo(&adapter);
  mutate(adapter);
  return convert::assemble_segmented_file(
      [&adapter](std::vector<std::unique_ptr<fb::SegmentT>> segments) {
        adapter.segments = std::move(segments);
        flatbuffers::FlatBufferBuilder builder;
        fb::FinishAdapterBuffer(builder, fb::Adapter::Pack(builder, &adapter));
        return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
      },
      segment_of(file));
}

}  // namespace sprig::test
