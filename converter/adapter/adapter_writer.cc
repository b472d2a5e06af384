#include "converter/adapter/adapter_writer.h"

#include <cstring>
#include <set>

#include "converter/ir/error.h"
#include "runtime/core/adapter.h"
#include "runtime/core/file_header.h"
#include "runtime/core/memory_planner.h"

namespace sprig::convert {
namespace {

std::string stem(const std::string& weight) {
  const std::string suffix = ".weight";
  if (weight.size() > suffix.size() && weight.compare(weight.size() - suffix.size(), suffix.size(), suffix) == 0)
    return weight.substr(0, weight.size() - suffix.size());
  return weight;
}

// Appends `values` as `dtype` to the segment and a constant tensor [rows, cols] for them.
int add_matrix(const std::string& name, const std::vector<float>& values, int64_t rows, int64_t cols,
               fb::DType dtype, std::vector<uint8_t>* segment, fb::AdapterT* adapter) {
  const size_t element = dtype == fb::DType::F16 ? 2 : 4;
  const uint64_t offset = align_up(segment->size(), kTensorAlignment);
  segment->resize(offset + values.size() * element);
  uint8_t* out = segment->data() + offset;
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == fb::DType::F16) {
      const uint16_t half = f32_to_f16(values[i]);
      std::memcpy(out + 2 * i, &half, 2);
    } else {
      std::memcpy(out + 4 * i, &values[i], 4);
    }
  }
  auto buffer = std::make_unique<fb::BufferT>();
  buffer->segment = 0;
  buffer->offset = offset;
  buffer->size = values.size() * element;
  auto tensor = std::make_unique<fb::TensorT>();
  tensor->name = name;
  tensor->dtype = dtype;
  tensor->shape = {rows, cols};
  tensor->buffer = static_cast<int>(adapter->buffers.size());
  adapter->buffers.push_back(std::move(buffer));
  adapter->tensors.push_back(std::move(tensor));
  return static_cast<int>(adapter->tensors.size()) - 1;
}

}  // namespace

std::vector<uint8_t> serialize_adapter(const std::vector<LoraWeights>& targets,
                                       const std::string& base_content_hash, fb::DType dtype,
                                       const SerializeOptions& options) {
  if (targets.empty()) fail(Code::kInvalidArgument, "the adapter has no targets");
  if (dtype != fb::DType::F32 && dtype != fb::DType::F16)
    fail(Code::kInvalidArgument, "LoRA matrices are stored as F32 or F16");
  if (base_content_hash.empty()) fail(Code::kInvalidArgument, "the adapter needs the base model's content hash");
  fb::AdapterT adapter;
  adapter.format_version = kAdapterFormatVersion;
  adapter.base_content_hash = base_content_hash;
  std::vector<uint8_t> segment;
  std::set<std::string> seen;
  for (const LoraWeights& t : targets) {
    if (!seen.insert(t.weight).second) fail(Code::kInvalidArgument, "'" + t.weight + "' is adapted twice");
    if (t.rank < 1 || t.n < 1 || t.k < 1 || t.a.size() != static_cast<size_t>(t.rank * t.k) ||
        t.b.size() != static_cast<size_t>(t.n * t.rank))
      fail(Code::kInvalidArgument, "'" + t.weight + "': A and B do not match rank " +
                                       std::to_string(t.rank) + " over [" + std::to_string(t.n) +
                                       ", " + std::to_string(t.k) + "]");
    auto target = std::make_unique<fb::LoraTargetT>();
    target->weight = t.weight;
    target->rank = t.rank;
    target->alpha = t.alpha;
    target->scaling = t.scaling;
    target->a = add_matrix(stem(t.weight) + ".lora_A", t.a, t.rank, t.k, dtype, &segment, &adapter);
    target->b = add_matrix(stem(t.weight) + ".lora_B", t.b, t.n, t.rank, dtype, &segment, &adapter);
    adapter.targets.push_back(std::move(target));
  }
  adapter.metadata = std::make_unique<fb::MetadataT>();
  adapter.metadata->producer = options.producer;
  adapter.metadata->producer_version = "0.1.0";
  adapter.metadata->source_file = options.source_file;
  adapter.metadata->source_hash = options.source_hash;
  return assemble_segmented_file(
      [&adapter](std::vector<std::unique_ptr<fb::SegmentT>> segments) {
        adapter.segments = std::move(segments);
        flatbuffers::FlatBufferBuilder builder(1 << 12);
        fb::FinishAdapterBuffer(builder, fb::Adapter::Pack(builder, &adapter));
        return std::vector<uint8_t>(builder.GetBufferPointer(),
                                    builder.GetBufferPointer() + builder.GetSize());
      },
      segment);
}

}  // namespace sprig::convert
