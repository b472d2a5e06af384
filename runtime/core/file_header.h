// The fixed 64-byte header at the start of every .sprig file (little-endian). See docs/format.md.
#pragma once

#include <cstdint>

namespace sprig {

constexpr char kFileMagic[8] = {'S', 'P', 'R', 'I', 'G', 'M', 'D', 'L'};
constexpr uint32_t kFileHeaderSize = 64;
constexpr uint64_t kSegmentAlignment = 4096;
constexpr uint64_t kTensorAlignment = 64;

struct FileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t header_size;        // 64
  uint64_t flatbuffer_offset;  // 64
  uint64_t flatbuffer_size;
  uint64_t segments_offset;    // first segment, page aligned (== file size when none)
  uint64_t file_size;
  uint32_t flags;              // 0
  uint8_t reserved[12];        // 0
};
static_assert(sizeof(FileHeader) == kFileHeaderSize, "header must be 64 bytes");

}  // namespace sprig
