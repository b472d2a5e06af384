#include "converter/serialize/serialize.h"

#include <cstring>
#include <functional>

#include "converter/ir/error.h"
#include "runtime/core/file_header.h"
#include "runtime/core/memory_planner.h"
#include "runtime/core/model.h"

namespace sprig::convert {
namespace {

struct Layout {
  std::vector<uint8_t> segment;
  std::vector<std::unique_ptr<fb::BufferT>> buffers;
  std::string content_hash;
};

void check_index(const Graph& graph, int value, const std::string& where) {
  if (value < 0 || value >= static_cast<int>(graph.values.size()))
    fail(Code::kInvalidModel, where + " refers to value " + std::to_string(value) + ", out of range");
}

std::unique_ptr<fb::TensorT> make_tensor(const Value& value) {
  auto tensor = std::make_unique<fb::TensorT>();
  tensor->name = value.name;
  tensor->dtype = value.dtype;
  tensor->shape = value.shape;
  if (value.quantization) tensor->quantization = std::make_unique<fb::QuantizationT>(*value.quantization);
  tensor->is_state = value.is_state;
  tensor->dim0_symbol = value.dim0_symbol;
  return tensor;
}

// Stores `bytes` as a new 1-D constant tensor of `dtype`; returns its index.
int append_constant(const std::string& name, fb::DType dtype, const std::vector<uint8_t>& bytes,
                    Layout* layout, fb::GraphT* out) {
  const int64_t numel = static_cast<int64_t>(bytes.size() * 8 / static_cast<size_t>(dtype_bits(dtype)));
  const uint64_t offset = align_up(layout->segment.size(), kTensorAlignment);
  layout->segment.resize(offset + bytes.size());
  if (!bytes.empty()) std::memcpy(layout->segment.data() + offset, bytes.data(), bytes.size());
  auto buffer = std::make_unique<fb::BufferT>();
  buffer->segment = 0;
  buffer->offset = offset;
  buffer->size = bytes.size();
  auto tensor = std::make_unique<fb::TensorT>();
  tensor->name = name;
  tensor->dtype = dtype;
  tensor->shape = {numel};
  tensor->buffer = static_cast<int>(layout->buffers.size());
  layout->buffers.push_back(std::move(buffer));
  out->tensors.push_back(std::move(tensor));
  return static_cast<int>(out->tensors.size()) - 1;
}

Layout lay_out_constants(const Graph& graph, fb::GraphT* out) {
  Layout layout;
  for (const Value& value : graph.values) {
    auto tensor = make_tensor(value);
    if (value.is_constant) {
      const size_t bytes = tensor_bytes(value.dtype, value.numel());
      if (value.data.size() != bytes)
        fail(Code::kInvalidModel, "constant '" + value.name + "' holds " +
                                      std::to_string(value.data.size()) + " bytes, its shape needs " +
                                      std::to_string(bytes));
      const uint64_t offset = align_up(layout.segment.size(), kTensorAlignment);
      layout.segment.resize(offset + bytes);
      if (bytes) std::memcpy(layout.segment.data() + offset, value.data.data(), bytes);
      auto buffer = std::make_unique<fb::BufferT>();
      buffer->segment = 0;
      buffer->offset = offset;
      buffer->size = bytes;
      tensor->buffer = static_cast<int>(layout.buffers.size());
      layout.buffers.push_back(std::move(buffer));
    }
    out->tensors.push_back(std::move(tensor));
  }
  // Group-wise scales and zero points: constant tensors after the graph's values.
  for (size_t v = 0; v < graph.values.size(); ++v) {
    const Value& value = graph.values[v];
    if (value.group_scales.empty()) continue;
    if (!value.quantization || !value.is_constant)
      fail(Code::kInvalidModel, "'" + value.name + "' has group scales but is not quantized");
    fb::TensorT& owner = *out->tensors[v];
    owner.quantization->scale_tensor =
        append_constant(value.name + ".scales", fb::DType::F16, value.group_scales, &layout, out);
    if (!value.group_zero_points.empty())
      owner.quantization->zero_point_tensor = append_constant(
          value.name + ".zero_points", fb::DType::I8, value.group_zero_points, &layout, out);
  }
  layout.content_hash = constants_hash(*out, layout.buffers, layout.segment);
  return layout;
}

// num_tensors: the graph's values and the constants the serializer added after them.
std::unique_ptr<fb::MemoryPlanT> plan_activations(const Graph& graph, size_t num_tensors) {
  std::vector<OpTensorIndices> ops;
  for (const Node& node : graph.nodes) ops.push_back(OpTensorIndices{node.inputs, node.outputs});
  const int num_values = static_cast<int>(graph.values.size());
  std::vector<int> live_from_start = graph.inputs, live_to_end = graph.outputs;
  for (int v = 0; v < num_values; ++v)
    if (graph.values[static_cast<size_t>(v)].is_state) {
      live_from_start.push_back(v);
      live_to_end.push_back(v);
    }
  const std::vector<BufferLifetime> lifetimes =
      tensor_lifetimes(num_values, ops, live_from_start, live_to_end);
  std::vector<BufferLifetime> buffers;
  std::vector<int> buffer_values;
  for (int v = 0; v < num_values; ++v) {
    const Value& value = graph.values[static_cast<size_t>(v)];
    if (value.is_constant || lifetimes[static_cast<size_t>(v)].first_use < 0) continue;
    BufferLifetime buffer = lifetimes[static_cast<size_t>(v)];
    buffer.size = tensor_bytes(value.dtype, value.numel());
    buffers.push_back(buffer);
    buffer_values.push_back(v);
  }
  const MemoryPlanResult result = plan_memory(buffers, kTensorAlignment);
  auto plan = std::make_unique<fb::MemoryPlanT>();
  plan->arena_size = result.arena_size;
  plan->naive_size = result.naive_size;
  plan->alignment = static_cast<uint32_t>(kTensorAlignment);
  plan->offsets.assign(num_tensors, -1);
  for (size_t b = 0; b < buffer_values.size(); ++b)
    plan->offsets[static_cast<size_t>(buffer_values[b])] = static_cast<int64_t>(result.offsets[b]);
  return plan;
}

std::vector<uint8_t> pack(const fb::ModelT& model) {
  flatbuffers::FlatBufferBuilder builder(1 << 16);
  fb::FinishModelBuffer(builder, fb::Model::Pack(builder, &model));
  return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}

}  // namespace

std::string constants_hash(const fb::GraphT& graph, const std::vector<std::unique_ptr<fb::BufferT>>& buffers,
                           const std::vector<uint8_t>& segment) {
  std::vector<uint8_t> hashed;
  for (const auto& tensor : graph.tensors) {
    if (tensor->buffer < 0) continue;
    const fb::BufferT& buffer = *buffers[static_cast<size_t>(tensor->buffer)];
    hashed.insert(hashed.end(), segment.begin() + static_cast<ptrdiff_t>(buffer.offset),
                  segment.begin() + static_cast<ptrdiff_t>(buffer.offset + buffer.size));
  }
  return sha256_hex(hashed.data(), hashed.size());
}

std::vector<uint8_t> serialize_model(const Graph& graph, const SerializeOptions& options) {
  fb::ModelT model;
  model.format_version = kFormatVersion;
  model.graph = std::make_unique<fb::GraphT>();
  fb::GraphT& out = *model.graph;
  out.name = graph.name;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (node.dead) fail(Code::kInvalidModel, "dead node '" + node.name + "' left in the graph");
    for (int v : node.inputs) check_index(graph, v, "node '" + node.name + "'");
    for (int v : node.outputs) check_index(graph, v, "node '" + node.name + "'");
    auto op = std::make_unique<fb::OpT>();
    op->type = node.type;
    op->inputs.assign(node.inputs.begin(), node.inputs.end());
    op->outputs.assign(node.outputs.begin(), node.outputs.end());
    op->options = node.options;
    op->name = node.name;
    out.ops.push_back(std::move(op));
  }
  for (int v : graph.inputs) check_index(graph, v, "graph input");
  for (int v : graph.outputs) check_index(graph, v, "graph output");
  out.inputs.assign(graph.inputs.begin(), graph.inputs.end());
  out.outputs.assign(graph.outputs.begin(), graph.outputs.end());

  Layout layout = lay_out_constants(graph, &out);
  model.buffers = std::move(layout.buffers);
  model.memory_plan = plan_activations(graph, out.tensors.size());
  model.metadata = std::make_unique<fb::MetadataT>();
  model.metadata->producer = options.producer;
  model.metadata->producer_version = "0.1.0";
  model.metadata->source_file = options.source_file;
  model.metadata->source_hash = options.source_hash;
  model.metadata->content_hash = layout.content_hash;
  for (const auto& [key, value] : options.metadata) {
    auto entry = std::make_unique<fb::KeyValueT>();
    entry->key = key;
    entry->value = value;
    model.metadata->entries.push_back(std::move(entry));
  }

  if (graph.tokenizer) model.tokenizer = std::make_unique<fb::TokenizerT>(*graph.tokenizer);

  return assemble_file(model, layout.segment);
}

std::vector<uint8_t> assemble_file(fb::ModelT& model, const std::vector<uint8_t>& segment_bytes) {
  return assemble_segmented_file(
      [&model](std::vector<std::unique_ptr<fb::SegmentT>> segments) {
        model.segments = std::move(segments);
        return pack(model);
      },
      segment_bytes);
}

std::vector<uint8_t> assemble_segmented_file(
    const std::function<std::vector<uint8_t>(std::vector<std::unique_ptr<fb::SegmentT>>)>& pack_root,
    const std::vector<uint8_t>& segment_bytes) {
  // The segment's absolute offset is stored inside the flatbuffer, whose size decides the offset:
  // pack until the two agree (the offset field has a fixed width, so this settles at once).
  const bool has_segment = !segment_bytes.empty();
  uint64_t segment_offset = kSegmentAlignment;
  std::vector<uint8_t> flatbuffer;
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::vector<std::unique_ptr<fb::SegmentT>> segments;
    if (has_segment) {
      auto segment = std::make_unique<fb::SegmentT>();
      segment->offset = segment_offset;
      segment->size = segment_bytes.size();
      segments.push_back(std::move(segment));
    }
    flatbuffer = pack_root(std::move(segments));
    const uint64_t end_of_flatbuffer = kFileHeaderSize + flatbuffer.size();
    const uint64_t needed = has_segment ? align_up(end_of_flatbuffer, kSegmentAlignment)
                                        : align_up(end_of_flatbuffer, 8);
    if (needed == segment_offset) break;
    segment_offset = needed;
  }

  FileHeader header{};
  std::memcpy(header.magic, kFileMagic, sizeof(kFileMagic));
  header.format_version = kFormatVersion;
  header.header_size = kFileHeaderSize;
  header.flatbuffer_offset = kFileHeaderSize;
  header.flatbuffer_size = flatbuffer.size();
  header.segments_offset = segment_offset;
  header.file_size = segment_offset + segment_bytes.size();

  std::vector<uint8_t> file(header.file_size, 0);
  std::memcpy(file.data(), &header, sizeof(header));
  std::memcpy(file.data() + kFileHeaderSize, flatbuffer.data(), flatbuffer.size());
  if (has_segment) std::memcpy(file.data() + segment_offset, segment_bytes.data(), segment_bytes.size());
  return file;
}

}  // namespace sprig::convert
