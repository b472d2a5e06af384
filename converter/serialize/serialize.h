// Writes the IR as a .sprig file: header, flatbuffer, one page-aligned weight segment with every
// constant 64-byte aligned, the memory plan for the graph's static shapes, and metadata including
// the SHA-256 of all constant bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "converter/ir/graph.h"

namespace sprig::convert {

struct SerializeOptions {
  std::string producer = "sprig-convert";
  std::string source_file;
  std::string source_hash;  // SHA-256 hex of the source checkpoint, when known
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The whole file, ready to be written. Throws ConvertError on an inconsistent graph.
std::vector<uint8_t> serialize_model(const Graph& graph, const SerializeOptions& options);

// Packs `model` (whose segments are rewritten) with one weight segment holding `segment_bytes`
// into a complete file: header, flatbuffer, padding, segment.
std::vector<uint8_t> assemble_file(fb::ModelT& model, const std::vector<uint8_t>& segment_bytes);

// The same for any root table: pack_root(segments) packs the flatbuffer with those segments (one,
// or none when segment_bytes is empty) and returns its bytes.
std::vector<uint8_t> assemble_segmented_file(
    const std::function<std::vector<uint8_t>(std::vector<std::unique_ptr<fb::SegmentT>>)>& pack_root,
    const std::vector<uint8_t>& segment_bytes);

// Metadata.content_hash: SHA-256 of every constant tensor's bytes (in `segment`, the one weight
// segment), in tensor order.
std::string constants_hash(const fb::GraphT& graph, const std::vector<std::unique_ptr<fb::BufferT>>& buffers,
                           const std::vector<uint8_t>& segment);

// SHA-256 of bytes, lower-case hex.
std::string sha256_hex(const void* data, size_t size);
// SHA-256 of a file's contents, lower-case hex. Throws ConvertError (kIo).
std::string sha256_file_hex(const std::string& path);

// Writes to a temporary file beside `path`, fsyncs it and renames it over `path`: readers see the
// old file or the new one, whole. Throws ConvertError (kIo) and leaves no temporary file behind.
void write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace sprig::convert
