#include "converter/import/safetensors/safetensors.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "converter/ir/error.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

// Headers above this are refused (real checkpoints stay far below it).
constexpr uint64_t kMaxHeaderBytes = uint64_t{100} << 20;

size_t dtype_bytes(const std::string& dtype) {
  static const std::map<std::string, size_t> kSizes = {
      {"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
      {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
  auto it = kSizes.find(dtype);
  return it == kSizes.end() ? 0 : it->second;
}

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  fail(Code::kInvalidModel, "safetensors file '" + path + "': " + what);
}

SafeTensor parse_entry(const std::string& path, const std::string& name, const json& entry,
                       const uint8_t* data, uint64_t data_bytes) {
  SafeTensor t;
  t.name = name;
  t.file = path;
  if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
      !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
      !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2)
    bad(path, "tensor '" + name + "' lacks a dtype, shape or data_offsets pair");
  t.dtype = entry["dtype"].get<std::string>();
  const size_t element = dtype_bytes(t.dtype);
  if (element == 0) bad(path, "tensor '" + name + "' has unknown dtype " + t.dtype);
  uint64_t numel = 1;
  for (const json& d : entry["shape"]) {
    if (!d.is_number_unsigned()) bad(path, "tensor '" + name + "' has a negative or non-integer dimension");
    const uint64_t dim = d.get<uint64_t>();
    if (dim != 0 && numel > (uint64_t{1} << 56) / dim) bad(path, "tensor '" + name + "' is too large");
    numel *= dim;
    t.shape.push_back(static_cast<int64_t>(dim));
  }
  const json& offsets = entry["data_offsets"];
  if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    bad(path, "tensor '" + name + "' has non-integer data_offsets");
  const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
  if (begin > end || end > data_bytes)
    bad(path, "tensor '" + name + "' data [" + std::to_string(begin) + ", " + std::to_string(end) +
                  ") lies outside the " + std::to_string(data_bytes) + " data bytes");
  if (end - begin != numel * element)
    bad(path, "tensor '" + name + "' has " + std::to_string(end - begin) + " bytes, its " +
                  t.dtype + " shape needs " + std::to_string(numel * element));
  t.data = data + begin;
  t.bytes = static_cast<size_t>(end - begin);
  return t;
}

}  // namespace

int64_t SafeTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void SafetensorsCheckpoint::add_file(const std::string& path) {
  auto file = std::make_unique<MappedFile>();
  const Status opened = file->open(path.c_str());
  if (!opened.ok()) fail(Code::kIo, opened.message());
  const uint8_t* base = file->data();
  const size_t size = file->size();
  uint64_t header_bytes = 0;
  if (size < 8) bad(path, "shorter than its 8-byte header length");
  std::memcpy(&header_bytes, base, 8);  // little-endian, as are the hosts we build for
  if (header_bytes > kMaxHeaderBytes || header_bytes > size - 8)
    bad(path, "header length " + std::to_string(header_bytes) + " runs past the file's " +
                  std::to_string(size) + " bytes");
  json header;
  try {
    header = json::parse(base + 8, base + 8 + header_bytes);
  } catch (const json::exception& e) {
    bad(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) bad(path, "header is not a JSON object");
  const uint8_t* data = base + 8 + header_bytes;
  const uint64_t data_bytes = size - 8 - header_bytes;
  std::vector<std::pair<size_t, size_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    SafeTensor t = parse_entry(path, it.key(), it.value(), data, data_bytes);
    if (tensors_.count(t.name)) bad(path, "tensor '" + t.name + "' appears in two files");
    ranges.emplace_back(static_cast<size_t>(t.data - data), t.bytes);
    tensors_.emplace(t.name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].first + ranges[i - 1].second)
      bad(path, "two tensors' data overlap at byte " + std::to_string(ranges[i].first));
  files_.push_back(std::move(file));
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  SafetensorsCheckpoint checkpoint;
  const fs::path single = fs::path(dir) / "model.safetensors";
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(single)) {
    checkpoint.add_file(single.string());
    return checkpoint;
  }
  if (!fs::exists(index))
    fail(Code::kIo, "'" + dir + "' has neither model.safetensors nor model.safetensors.index.json");
  json map;
  try {
    std::ifstream in(index);
    map = json::parse(in);
  } catch (const json::exception& e) {
    fail(Code::kInvalidModel, "'" + index.string() + "' is not valid JSON: " + e.what());
  }
  if (!map.contains("weight_map") || !map["weight_map"].is_object())
    fail(Code::kInvalidModel, "'" + index.string() + "' has no weight_map object");
  std::vector<std::string> shards;
  for (auto it = map["weight_map"].begin(); it != map["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      fail(Code::kInvalidModel, "'" + index.string() + "': the shard of '" + it.key() + "' is not a file name");
    const std::string shard = it.value().get<std::string>();
    if (shard.find('/') != std::string::npos || shard == "..")
      fail(Code::kInvalidModel, "'" + index.string() + "': shard '" + shard + "' is not a plain file name");
    if (std::find(shards.begin(), shards.end(), shard) == shards.end()) shards.push_back(shard);
  }
  for (const std::string& shard : shards) checkpoint.add_file((fs::path(dir) / shard).string());
  for (auto it = map["weight_map"].begin(); it != map["weight_map"].end(); ++it) {
    const SafeTensor* t = checkpoint.find(it.key());
    if (t == nullptr || fs::path(t->file).filename() != it.value().get<std::string>())
      fail(Code::kInvalidModel, "'" + index.string() + "' puts tensor '" + it.key() + "' in " +
                                    it.value().get<std::string>() + ", which does not hold it");
  }
  return checkpoint;
}

const SafeTensor* SafetensorsCheckpoint::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const SafeTensor& SafetensorsCheckpoint::at(const std::string& name) const {
  const SafeTensor* t = find(name);
  if (t == nullptr) fail(Code::kInvalidModel, "the checkpoint has no tensor '" + name + "'");
  return *t;
}

std::vector<float> SafetensorsCheckpoint::to_f32(const SafeTensor& tensor) const {
  const size_t n = static_cast<size_t>(tensor.numel());
  std::vector<float> out(n);
  if (tensor.dtype == "F32") {
    std::memcpy(out.data(), tensor.data, n * sizeof(float));
  } else if (tensor.dtype == "F16" || tensor.dtype == "BF16") {
    for (size_t i = 0; i < n; ++i) {
      uint16_t bits;
      std::memcpy(&bits, tensor.data + 2 * i, 2);
      out[i] = tensor.dtype == "F16" ? f16_to_f32(bits) : bf16_to_f32(bits);
    }
  } else {
    fail(Code::kUnsupported, "tensor '" + tensor.name + "' has dtype " + tensor.dtype +
                                 "; weights must be F32, F16 or BF16");
  }
  return out;
}

}  // namespace sprig::convert
