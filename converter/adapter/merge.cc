#include "converter/adapter/merge.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "converter/ir/error.h"
#include "converter/serialize/serialize.h"
#include "runtime/core/file_header.h"
#include "runtime/core/model.h"

namespace sprig::convert {
namespace {

float element(const TensorView& t, int64_t i) {
  return t.dtype == DType::F16 ? f16_to_f32(t.as<const uint16_t>()[i]) : t.f32()[i];
}

}  // namespace

std::vector<uint8_t> merge_adapter(const std::vector<uint8_t>& base_file, const Adapter& adapter,
                                   float scale) {
  std::unique_ptr<uint8_t, decltype(&std::free)> aligned(
      static_cast<uint8_t*>(std::aligned_alloc(64, (base_file.size() + 63) / 64 * 64)), &std::free);
  if (!aligned) fail(Code::kOutOfMemory, "no memory for the base model");
  std::memcpy(aligned.get(), base_file.data(), base_file.size());
  auto loaded = Model::load_from_memory(aligned.get(), base_file.size());
  if (!loaded.ok()) fail(Code::kInvalidArgument, std::string("the base model: ") + loaded.status().message());
  const Model& base = **loaded;
  if (std::strcmp(adapter.base_content_hash(), base.content_hash()) != 0)
    fail(Code::kInvalidArgument, std::string("the adapter was trained for base model ") +
                                     adapter.base_content_hash() + ", this model is " + base.content_hash());
  fb::ModelT model;
  base.flatbuffer().UnPackTo(&model);
  FileHeader header;
  std::memcpy(&header, base_file.data(), sizeof(header));
  std::vector<uint8_t> segment(base_file.begin() + static_cast<long>(header.segments_offset), base_file.end());
  for (int t = 0; t < adapter.num_targets(); ++t) {
    const LoraTarget& target = adapter.target(t);
    int index = -1;
    for (int i = 0; i < base.num_tensors() && index < 0; ++i)
      if (std::strcmp(base.tensor_name(i), target.weight) == 0) index = i;
    if (index < 0 || !base.is_constant(index))
      fail(Code::kInvalidArgument, std::string("the base model has no weight '") + target.weight + "'");
    const TensorView& w = base.tensor(index);
    if (w.dtype != DType::F32 && w.dtype != DType::F16)
      fail(Code::kInvalidArgument, std::string("'") + target.weight + "' is " + dtype_name(w.dtype) +
                                       ": merging needs a float base (bind the adapter to a quantized one)");
    const int64_t n = w.shape[0], k = w.shape[1], rank = target.rank;
    if (w.shape.rank != 2 || target.b->shape[0] != n || target.a->shape[1] != k)
      fail(Code::kInvalidArgument, std::string("'") + target.weight + "': the adapter's shapes do not fit");
    const fb::BufferT& buffer = *model.buffers[static_cast<size_t>(model.graph->tensors[static_cast<size_t>(index)]->buffer)];
    uint8_t* out = segment.data() + buffer.offset;
    const float s = scale * target.scaling;
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c) {
        double delta = 0.0;
        for (int64_t j = 0; j < rank; ++j)
          delta += double(element(*target.b, r * rank + j)) * element(*target.a, j * k + c);
        const float merged = static_cast<float>(element(w, r * k + c) + s * delta);
        if (w.dtype == DType::F16) {
          const uint16_t half = f32_to_f16(merged);
          std::memcpy(out + 2 * (r * k + c), &half, 2);
        } else {
          std::memcpy(out + 4 * (r * k + c), &merged, 4);
        }
      }
  }
  model.metadata->content_hash = constants_hash(*model.graph, model.buffers, segment);
  auto entry = std::make_unique<fb::KeyValueT>();
  entry->key = "merged_adapter_base";
  entry->value = base.content_hash();
  model.metadata->entries.push_back(std::move(entry));
  return assemble_file(model, segment);
}

}  // namespace sprig::convert
