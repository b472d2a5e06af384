#include "runtime/core/file_check.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "runtime/core/file_header.h"
#include "runtime/core/model.h"

namespace sprig {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 48;

}  // namespace

bool aligned(const flatbuffers::Vector<int64_t>* vector) {
  return vector == nullptr || vector->size() == 0 ||
         reinterpret_cast<uintptr_t>(vector->data()) % alignof(int64_t) == 0;
}

Status invalid(const char* format, ...) {
  char message[Status::kMaxMessage];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return Status(Code::kInvalidModel, message);
}

const char* tensor_label(const fb::Tensor* tensor) {
  return tensor->name() ? tensor->name()->c_str() : "";
}

Status check_shape(int index, const fb::Tensor* tensor, Shape* shape) {
  const auto* dims = tensor->shape();
  if (dims == nullptr) return invalid("tensor %d '%s' has no shape", index, tensor_label(tensor));
  if (!aligned(dims) || (tensor->quantization() && !aligned(tensor->quantization()->zero_point())))
    return invalid("tensor %d '%s': a 64-bit vector is misaligned", index, tensor_label(tensor));
  if (dims->size() > static_cast<flatbuffers::uoffset_t>(kMaxRank))
    return invalid("tensor %d '%s' has rank %u (at most %d)", index, tensor_label(tensor),
                   dims->size(), kMaxRank);
  shape->rank = static_cast<int>(dims->size());
  int64_t numel = 1;
  for (int d = 0; d < shape->rank; ++d) {
    const int64_t dim = dims->Get(static_cast<flatbuffers::uoffset_t>(d));
    if (dim < 0 || dim > kMaxElements)
      return invalid("tensor %d '%s' has invalid dimension %" PRId64 " at axis %d", index,
                     tensor_label(tensor), dim, d);
    if (dim != 0 && numel > kMaxElements / dim)
      return invalid("tensor %d '%s' has too many elements", index, tensor_label(tensor));
    numel *= dim;
    (*shape)[d] = dim;
  }
  return Status::ok_status();
}

Status check_segments(const SegmentList* segments, size_t size) {
  if (segments == nullptr) return Status::ok_status();
  for (uint32_t i = 0; i < segments->size(); ++i) {
    const fb::Segment* segment = segments->Get(i);
    if (segment->offset() % kSegmentAlignment != 0)
      return invalid("segment %u offset %" PRIu64 " is not %" PRIu64 "-byte aligned", i,
                     segment->offset(), kSegmentAlignment);
    if (segment->offset() > size || segment->size() > size - segment->offset())
      return invalid("segment %u [offset %" PRIu64 ", size %" PRIu64
                     "] runs past the end of the file (%zu bytes)",
                     i, segment->offset(), segment->size(), size);
  }
  return Status::ok_status();
}

Status check_constant_data(const uint8_t* base, const BufferList* buffers,
                           const SegmentList* segments, int index, const fb::Tensor* tensor,
                           TensorView* view) {
  const int buffer_index = tensor->buffer();
  if (buffers == nullptr || buffer_index < 0 || static_cast<uint32_t>(buffer_index) >= buffers->size())
    return invalid("tensor %d '%s' refers to buffer %d, which does not exist", index,
                   tensor_label(tensor), buffer_index);
  const fb::Buffer* buffer = buffers->Get(static_cast<uint32_t>(buffer_index));
  if (segments == nullptr || buffer->segment() >= segments->size())
    return invalid("tensor %d '%s': buffer %d names segment %u, which does not exist", index,
                   tensor_label(tensor), buffer_index, buffer->segment());
  const fb::Segment* segment = segments->Get(buffer->segment());
  if (buffer->offset() > segment->size() || buffer->size() > segment->size() - buffer->offset())
    return invalid("tensor %d '%s': data [offset %" PRIu64 ", size %" PRIu64
                   "] runs past the end of segment %u (size %" PRIu64 ")",
                   index, tensor_label(tensor), buffer->offset(), buffer->size(), buffer->segment(),
                   segment->size());
  if (buffer->offset() % kTensorAlignment != 0)
    return invalid("tensor %d '%s': data offset %" PRIu64 " is not %" PRIu64 "-byte aligned", index,
                   tensor_label(tensor), buffer->offset(), kTensorAlignment);
  const size_t expected = view->bytes();
  if (buffer->size() != expected)
    return invalid("tensor %d '%s': %" PRIu64 " bytes of data, its dtype %s and shape need %zu",
                   index, tensor_label(tensor), buffer->size(), dtype_name(view->dtype), expected);
  view->data = const_cast<uint8_t*>(base + segment->offset() + buffer->offset());
  return Status::ok_status();
}

Status check_file_header(const uint8_t* base, size_t size, const uint8_t** flatbuffer,
                         size_t* flatbuffer_size, uint32_t* version) {
  if (reinterpret_cast<uintptr_t>(base) % alignof(int64_t) != 0)
    return Status(Code::kInvalidArgument, "file data must be at least 8-byte aligned");
  if (size < kFileHeaderSize)
    return invalid("file is truncated: %zu bytes, smaller than the %u-byte header", size,
                   kFileHeaderSize);
  FileHeader header;
  std::memcpy(&header, base, sizeof(header));
  if (std::memcmp(header.magic, kFileMagic, sizeof(kFileMagic)) != 0)
    return invalid("not a .sprig file: it does not start with 'SPRIGMDL'");
  if (header.format_version > kFormatVersion)
    return Status::error(Code::kUnsupported,
                         "file format version %u is newer than this runtime, which reads versions "
                         "%u to %u",
                         header.format_version, kMinFormatVersion, kFormatVersion);
  if (header.format_version < kMinFormatVersion)
    return invalid("file format version %u is not a valid version", header.format_version);
  if (header.header_size != kFileHeaderSize || header.flatbuffer_offset != kFileHeaderSize)
    return invalid("header size %u / flatbuffer offset %" PRIu64 " is invalid (expected 64)",
                   header.header_size, header.flatbuffer_offset);
  if (header.file_size != size)
    return invalid("file is truncated or padded: the header says %" PRIu64 " bytes, found %zu",
                   header.file_size, size);
  if (header.flatbuffer_size > size - kFileHeaderSize || header.flatbuffer_size < 8)
    return invalid("flatbuffer size %" PRIu64 " runs past the end of the file (%zu bytes)",
                   header.flatbuffer_size, size);
  if (header.flatbuffer_size > FLATBUFFERS_MAX_BUFFER_SIZE)
    return Status::error(Code::kUnsupported, "flatbuffer part of %" PRIu64 " bytes is too large",
                         header.flatbuffer_size);
  *flatbuffer = base + kFileHeaderSize;
  *flatbuffer_size = static_cast<size_t>(header.flatbuffer_size);
  *version = header.format_version;
  return Status::ok_status();
}

}  // namespace sprig
