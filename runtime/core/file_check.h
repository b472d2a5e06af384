// Checks shared by the model and adapter loaders (model_check.h, adapter.h): the fixed header, the
// data segments, a constant tensor's bytes and a tensor's shape. Each failure is kInvalidModel
// (kUnsupported for a newer format version) with a message naming what is at fault.
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig {

// kInvalidModel with a printf-style message.
Status invalid(const char* format, ...) __attribute__((format(printf, 1, 2)));

// The 64-byte header of a .sprig file of `size` bytes at `base` (8-byte aligned), its format version
// and the flatbuffer it frames. On success *flatbuffer points at the flatbuffer's first byte and
// *flatbuffer_size is its size; *version is the header's format version.
Status check_file_header(const uint8_t* base, size_t size, const uint8_t** flatbuffer,
                         size_t* flatbuffer_size, uint32_t* version);

using SegmentList = flatbuffers::Vector<flatbuffers::Offset<fb::Segment>>;
using BufferList = flatbuffers::Vector<flatbuffers::Offset<fb::Buffer>>;

// Every segment page-aligned and inside the file (segments may be null: none).
Status check_segments(const SegmentList* segments, size_t size);

// Whether a vector of int64 (null or empty included) is 8-byte aligned: the flatbuffers Verifier
// checks the alignment of a vector's length, not of 64-bit elements, and reading a misaligned int64
// is undefined (and faults on some Arm cores).
bool aligned(const flatbuffers::Vector<int64_t>* vector);

// A tensor's name for messages ("" when it has none).
const char* tensor_label(const fb::Tensor* tensor);

// Tensor `index`'s shape: present, 64-bit aligned, rank and element count within bounds.
Status check_shape(int index, const fb::Tensor* tensor, Shape* shape);

// Constant tensor `index`'s buffer: inside its segment, 64-byte aligned, exactly view->bytes()
// long (view's dtype and shape set); sets view->data to its bytes in base.
Status check_constant_data(const uint8_t* base, const BufferList* buffers,
                           const SegmentList* segments, int index, const fb::Tensor* tensor,
                           TensorView* view);

}  // namespace sprig
