// Shape arithmetic the ONNX importer shares between ops: broadcasting, axes, Reshape targets,
// Slice bounds and window sizes, each following the ONNX specification of opsets 11-17.
// Every function throws ConvertError (kInvalidModel) on arguments the specification forbids.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprig::convert::onnx_import {

using Dims = std::vector<int64_t>;

std::string dims_text(const Dims& dims);
int64_t dims_numel(const Dims& dims);
// The element count of a shape read from a file: kInvalidModel for a negative dimension or a count
// beyond 2^48.
int64_t checked_numel(const Dims& dims);

// Numpy-style broadcast of two shapes.
Dims broadcast_dims(const Dims& a, const Dims& b);

// An axis in [-rank, rank), returned in [0, rank).
int normalize_axis(int64_t axis, int rank);
// Axes normalized and sorted; a repeated axis is an error.
std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank);

// Reshape target: 0 copies the input dimension (allowzero = 0), one -1 is inferred.
Dims resolve_reshape(const Dims& input, const Dims& target);

// Slice with ONNX clamping, as a start, step and count for every axis of the input (axes not
// named take all of their elements). `axes` and `steps` may be empty (all axes, steps of 1).
struct SliceBounds {
  Dims starts;
  Dims steps;
  Dims counts;
};
SliceBounds resolve_slice(const Dims& shape, const Dims& starts, const Dims& ends, const Dims& axes,
                          const Dims& steps);

// Number of windows along one axis; ceil mode follows PyTorch (the last window starts inside the
// input or its leading padding).
int64_t window_count(int64_t in, int64_t pad_begin, int64_t pad_end, int64_t kernel, int64_t stride,
                     int64_t dilation, bool ceil_mode);

// auto_pad SAME_UPPER / SAME_LOWER: the padding that makes ceil(in / stride) windows.
void same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, bool upper,
                  int64_t* pad_begin, int64_t* pad_end);

// out[i] = dims[perm[i]].
Dims permute_dims(const Dims& dims, const std::vector<int>& perm);

}  // namespace sprig::convert::onnx_import
