#include "converter/import/onnx/shape_math.h"

#include <algorithm>

#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

}  // namespace

std::string dims_text(const Dims& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

int64_t dims_numel(const Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

int64_t checked_numel(const Dims& dims) {
  constexpr int64_t kMaxElements = int64_t{1} << 48;
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d != 0 && n > kMaxElements / d))
      fail(Code::kInvalidModel, "shape " + dims_text(dims) + " is negative or too large");
    n *= d;
  }
  return n;
}

Dims broadcast_dims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      fail(Code::kInvalidModel,
           "shapes " + dims_text(a) + " and " + dims_text(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int normalize_axis(int64_t axis, int rank) {
  if (axis < -rank || axis >= rank)
    fail(Code::kInvalidModel,
         "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int rank) {
  std::vector<int> out;
  for (int64_t axis : axes) out.push_back(normalize_axis(axis, rank));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    fail(Code::kInvalidModel, "axes repeat an axis");
  return out;
}

Dims resolve_reshape(const Dims& input, const Dims& target) {
  Dims out = target;
  int inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == 0) {
      if (i >= input.size())
        fail(Code::kInvalidModel, "reshape target " + dims_text(target) + " copies dimension " +
                                      std::to_string(i) + " of " + dims_text(input));
      out[i] = input[i];
    }
    if (out[i] == -1) {
      if (inferred >= 0)
        fail(Code::kInvalidModel, "reshape target " + dims_text(target) + " has two -1");
      inferred = static_cast<int>(i);
    } else if (out[i] < 0) {
      fail(Code::kInvalidModel,
           "reshape target " + dims_text(target) + " has a negative dimension");
    } else {
      if (__builtin_mul_overflow(known, out[i], &known))
        fail(Code::kInvalidModel, "reshape target " + dims_text(target) + " is too large");
    }
  }
  const int64_t total = dims_numel(input);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      fail(Code::kInvalidModel, "cannot reshape " + dims_text(input) + " to " + dims_text(target));
    out[static_cast<size_t>(inferred)] = total / known;
  } else if (known != total) {
    fail(Code::kInvalidModel, "cannot reshape " + dims_text(input) + " to " + dims_text(target));
  }
  return out;
}

SliceBounds resolve_slice(const Dims& shape, const Dims& starts, const Dims& ends, const Dims& axes,
                          const Dims& steps) {
  const int rank = static_cast<int>(shape.size());
  if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size()) ||
      (!steps.empty() && steps.size() != starts.size()))
    fail(Code::kInvalidModel, "slice starts, ends, axes and steps differ in length");
  SliceBounds bounds;
  bounds.starts.assign(shape.size(), 0);
  bounds.steps.assign(shape.size(), 1);
  bounds.counts = shape;
  std::vector<char> seen(shape.size(), 0);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int axis = normalize_axis(axes.empty() ? static_cast<int64_t>(i) : axes[i], rank);
    if (seen[static_cast<size_t>(axis)]++) fail(Code::kInvalidModel, "slice axes repeat an axis");
    const int64_t dim = shape[static_cast<size_t>(axis)];
    const int64_t step = steps.empty() ? 1 : steps[i];
    if (step == 0) fail(Code::kInvalidModel, "slice step is 0");
    int64_t start = starts[i];
    int64_t end = ends[i];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    int64_t count;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = std::max<int64_t>(0, ceil_div(end - start, step));
    } else {
      start = std::clamp<int64_t>(start, 0, std::max<int64_t>(dim - 1, 0));
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = dim == 0 ? 0 : std::max<int64_t>(0, ceil_div(start - end, -step));
    }
    bounds.starts[static_cast<size_t>(axis)] = start;
    bounds.steps[static_cast<size_t>(axis)] = step;
    bounds.counts[static_cast<size_t>(axis)] = count;
  }
  return bounds;
}

int64_t window_count(int64_t in, int64_t pad_begin, int64_t pad_end, int64_t kernel, int64_t stride,
                     int64_t dilation, bool ceil_mode) {
  if (kernel < 1 || stride < 1 || dilation < 1 || pad_begin < 0 || pad_end < 0)
    fail(Code::kInvalidModel, "kernel, stride and dilation must be positive and pads not negative");
  const int64_t span = in + pad_begin + pad_end - (dilation * (kernel - 1) + 1);
  if (span < 0)
    fail(Code::kInvalidModel, "kernel " + std::to_string(kernel) + " does not fit input size " +
                                  std::to_string(in) + " with its padding");
  if (!ceil_mode) return span / stride + 1;
  int64_t count = ceil_div(span, stride) + 1;
  if ((count - 1) * stride >= in + pad_begin) --count;
  return count;
}

void same_padding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, bool upper,
                  int64_t* pad_begin, int64_t* pad_end) {
  const int64_t out = ceil_div(in, stride);
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - in);
  const int64_t small = total / 2;
  *pad_begin = upper ? small : total - small;
  *pad_end = total - *pad_begin;
}

Dims permute_dims(const Dims& dims, const std::vector<int>& perm) {
  Dims out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = dims[static_cast<size_t>(perm[i])];
  return out;
}

}  // namespace sprig::convert::onnx_import
