#include "converter/import/onnx/host_ops.h"

#include <cmath>

#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

// Row-major strides of `shape`, with 0 for broadcast (size-1) dimensions when aligned to `rank`.
std::vector<int64_t> broadcast_strides(const Dims& shape, size_t rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    const size_t axis = rank - shape.size() + i;
    strides[axis] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

// Calls f(out_index, index_into_a, index_into_b) over the broadcast shape of a and b.
template <typename F>
void for_each_broadcast(const Dims& out, const Dims& a, const Dims& b, F f) {
  const std::vector<int64_t> sa = broadcast_strides(a, out.size());
  const std::vector<int64_t> sb = broadcast_strides(b, out.size());
  const int64_t n = dims_numel(out);
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < out.size(); ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    f(i, ia, ib);
    for (size_t d = out.size(); d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

// A tensor of x's element type with `shape`, filled from x by out[i] = x[source(i)].
template <typename F>
HostTensor gather_elements(const HostTensor& x, Dims shape, F source) {
  HostTensor out;
  out.elem_type = x.elem_type;
  out.shape = std::move(shape);
  const int64_t n = out.numel();
  if (x.is_float()) {
    out.floats.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      out.floats[static_cast<size_t>(i)] = x.floats[static_cast<size_t>(source(i))];
  } else {
    out.ints.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      out.ints[static_cast<size_t>(i)] = x.ints[static_cast<size_t>(source(i))];
  }
  return out;
}

// Import-time folding is meant for shape-sized data; a larger result is refused rather than
// allocated.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 26;

void check_fold_size(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(Code::kInvalidModel, "shape " + dims_text(shape) + " has a negative dimension");
    if (d != 0 && n > kMaxFoldedElements / d)
      fail(Code::kUnsupported,
           "a constant of shape " + dims_text(shape) + " is too large to compute at import");
    n *= d;
  }
}

int64_t scalar_int(const HostTensor& t, const char* what) {
  if (t.numel() != 1) fail(Code::kInvalidModel, std::string(what) + " must be a scalar");
  return t.int_at(0);
}

template <typename T>
T apply_binary(HostBinary op, T x, T y) {
  switch (op) {
    case HostBinary::kAdd: return x + y;
    case HostBinary::kSub: return x - y;
    case HostBinary::kMul: return x * y;
    case HostBinary::kDiv: return x / y;
    case HostBinary::kEqual: break;
  }
  return T(0);
}

}  // namespace

HostTensor host_binary(HostBinary op, const HostTensor& a, const HostTensor& b) {
  const Dims shape = broadcast_dims(a.shape, b.shape);
  HostTensor out;
  out.shape = shape;
  const bool as_float = a.is_float() || b.is_float();
  if (op == HostBinary::kEqual) {
    out.elem_type = onnx::TensorProto::BOOL;
    out.ints.resize(static_cast<size_t>(dims_numel(shape)));
    for_each_broadcast(shape, a.shape, b.shape, [&](int64_t i, int64_t ia, int64_t ib) {
      out.ints[static_cast<size_t>(i)] =
          as_float ? a.float_at(ia) == b.float_at(ib) : a.int_at(ia) == b.int_at(ib);
    });
    return out;
  }
  if (as_float) {
    out.elem_type = a.is_float() ? a.elem_type : b.elem_type;
    out.floats.resize(static_cast<size_t>(dims_numel(shape)));
    for_each_broadcast(shape, a.shape, b.shape, [&](int64_t i, int64_t ia, int64_t ib) {
      out.floats[static_cast<size_t>(i)] = apply_binary(op, a.float_at(ia), b.float_at(ib));
    });
    return out;
  }
  out.elem_type = a.elem_type == onnx::TensorProto::BOOL ? b.elem_type : a.elem_type;
  out.ints.resize(static_cast<size_t>(dims_numel(shape)));
  for_each_broadcast(shape, a.shape, b.shape, [&](int64_t i, int64_t ia, int64_t ib) {
    const int64_t y = b.ints[static_cast<size_t>(ib)];
    if (op == HostBinary::kDiv && y == 0) fail(Code::kInvalidModel, "integer division by zero");
    out.ints[static_cast<size_t>(i)] = apply_binary(op, a.ints[static_cast<size_t>(ia)], y);
  });
  return out;
}

HostTensor host_where(const HostTensor& condition, const HostTensor& x, const HostTensor& y) {
  if (x.is_float() != y.is_float()) fail(Code::kInvalidModel, "Where branches differ in type");
  const Dims xy = broadcast_dims(x.shape, y.shape);
  const Dims shape = broadcast_dims(condition.shape, xy);
  // Broadcast x and y to the full shape first, then pick with the condition.
  const HostTensor fx = host_expand(x, shape);
  const HostTensor fy = host_expand(y, shape);
  HostTensor out = fx;
  for_each_broadcast(shape, condition.shape, shape, [&](int64_t i, int64_t ic, int64_t) {
    if (condition.int_at(ic)) return;
    if (out.is_float())
      out.floats[static_cast<size_t>(i)] = fy.floats[static_cast<size_t>(i)];
    else
      out.ints[static_cast<size_t>(i)] = fy.ints[static_cast<size_t>(i)];
  });
  return out;
}

HostTensor host_expand(const HostTensor& x, const Dims& shape) {
  const Dims out_shape = broadcast_dims(x.shape, shape);
  check_fold_size(out_shape);
  std::vector<int64_t> sources(static_cast<size_t>(dims_numel(out_shape)));
  for_each_broadcast(out_shape, x.shape, out_shape,
                     [&](int64_t i, int64_t ix, int64_t) { sources[static_cast<size_t>(i)] = ix; });
  return gather_elements(x, out_shape, [&](int64_t i) { return sources[static_cast<size_t>(i)]; });
}

HostTensor host_gather(const HostTensor& data, const HostTensor& indices, int64_t axis) {
  const int rank = static_cast<int>(data.shape.size());
  if (rank == 0) fail(Code::kInvalidModel, "Gather of a scalar");
  const int a = normalize_axis(axis, rank);
  const int64_t dim = data.shape[static_cast<size_t>(a)];
  Dims shape(data.shape.begin(), data.shape.begin() + a);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + a + 1, data.shape.end());
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(a) + 1; d < data.shape.size(); ++d) inner *= data.shape[d];
  const int64_t count = indices.numel();
  std::vector<int64_t> picked(static_cast<size_t>(count));
  for (int64_t j = 0; j < count; ++j) {
    int64_t index = indices.int_at(j);
    if (index < -dim || index >= dim)
      fail(Code::kInvalidModel, "Gather index " + std::to_string(index) +
                                    " is out of range for size " + std::to_string(dim));
    picked[static_cast<size_t>(j)] = index < 0 ? index + dim : index;
  }
  return gather_elements(data, shape, [&](int64_t i) {
    const int64_t in = i % inner;
    const int64_t j = (i / inner) % count;
    const int64_t outer = i / inner / count;
    return (outer * dim + picked[static_cast<size_t>(j)]) * inner + in;
  });
}

HostTensor host_concat(const std::vector<const HostTensor*>& inputs, int64_t axis) {
  if (inputs.empty()) fail(Code::kInvalidModel, "Concat without inputs");
  const HostTensor& first = *inputs[0];
  const int rank = static_cast<int>(first.shape.size());
  const int a = normalize_axis(axis, rank);
  Dims shape = first.shape;
  shape[static_cast<size_t>(a)] = 0;
  for (const HostTensor* t : inputs) {
    if (t->shape.size() != first.shape.size() || t->is_float() != first.is_float())
      fail(Code::kInvalidModel, "Concat inputs differ in rank or type");
    for (int d = 0; d < rank; ++d)
      if (d != a && t->shape[static_cast<size_t>(d)] != first.shape[static_cast<size_t>(d)])
        fail(Code::kInvalidModel, "Concat inputs " + dims_text(first.shape) + " and " +
                                      dims_text(t->shape) + " differ outside the axis");
    shape[static_cast<size_t>(a)] += t->shape[static_cast<size_t>(a)];
  }
  int64_t outer = 1;
  for (int d = 0; d < a; ++d) outer *= shape[static_cast<size_t>(d)];
  HostTensor out;
  out.elem_type = first.elem_type;
  out.shape = shape;
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor* t : inputs) {
      const int64_t block = t->numel() / outer;
      if (t->is_float())
        out.floats.insert(out.floats.end(), t->floats.begin() + o * block,
                          t->floats.begin() + (o + 1) * block);
      else
        out.ints.insert(out.ints.end(), t->ints.begin() + o * block,
                        t->ints.begin() + (o + 1) * block);
    }
  }
  return out;
}

HostTensor host_slice(const HostTensor& x, const SliceBounds& bounds) {
  const size_t rank = x.shape.size();
  std::vector<int64_t> full_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) full_strides[d - 1] = full_strides[d] * x.shape[d];
  const Dims& shape = bounds.counts;
  return gather_elements(x, shape, [&](int64_t i) {
    int64_t source = 0;
    for (size_t d = rank; d-- > 0;) {
      const int64_t k = i % shape[d];
      i /= shape[d];
      source += (bounds.starts[d] + k * bounds.steps[d]) * full_strides[d];
    }
    return source;
  });
}

HostTensor host_transpose(const HostTensor& x, const std::vector<int>& perm) {
  const size_t rank = x.shape.size();
  if (perm.size() != rank) fail(Code::kInvalidModel, "Transpose perm does not match the rank");
  std::vector<int64_t> strides(rank, 1);
  for (size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * x.shape[d];
  const Dims shape = permute_dims(x.shape, perm);
  return gather_elements(x, shape, [&](int64_t i) {
    int64_t source = 0;
    for (size_t d = rank; d-- > 0;) {
      source += (i % shape[d]) * strides[static_cast<size_t>(perm[d])];
      i /= shape[d];
    }
    return source;
  });
}

HostTensor host_cast(const HostTensor& x, int32_t to) {
  HostTensor out;
  out.shape = x.shape;
  out.elem_type = to;
  switch (to) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::DOUBLE:
      out.elem_type = to == onnx::TensorProto::FLOAT16 ? to : onnx::TensorProto::FLOAT;
      out.floats = x.as_floats();
      return out;
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::INT32:
      out.ints = x.as_ints();
      if (to == onnx::TensorProto::INT32)
        for (int64_t& v : out.ints) v = static_cast<int32_t>(v);
      return out;
    case onnx::TensorProto::BOOL:
      for (int64_t i = 0; i < x.numel(); ++i)
        out.ints.push_back(x.is_float() ? x.float_at(i) != 0.0f : x.int_at(i) != 0);
      return out;
    default:
      fail(Code::kUnsupported, std::string("cast to ") + elem_type_name(to) + " is not supported");
  }
}

HostTensor host_range(const HostTensor& start, const HostTensor& limit, const HostTensor& delta) {
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1)
    fail(Code::kInvalidModel, "Range takes scalars");
  HostTensor out;
  out.elem_type = start.elem_type;
  if (start.is_float()) {
    const float s = start.float_at(0), l = limit.float_at(0), d = delta.float_at(0);
    if (d == 0) fail(Code::kInvalidModel, "Range delta is 0");
    const double count = std::ceil((static_cast<double>(l) - s) / d);
    if (!(count <= static_cast<double>(kMaxFoldedElements)))
      fail(Code::kUnsupported, "Range is too long to compute at import");
    const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
    for (int64_t i = 0; i < n; ++i) out.floats.push_back(s + static_cast<float>(i) * d);
    out.shape = {n};
    return out;
  }
  const int64_t s = scalar_int(start, "Range start"), l = scalar_int(limit, "Range limit"),
                d = scalar_int(delta, "Range delta");
  if (d == 0) fail(Code::kInvalidModel, "Range delta is 0");
  int64_t span = 0, rounded = 0;
  if (__builtin_sub_overflow(l, s, &span) ||
      __builtin_add_overflow(span, d > 0 ? d - 1 : d + 1, &rounded))
    fail(Code::kUnsupported, "Range is too long to compute at import");
  const int64_t n = std::max<int64_t>(0, rounded / d);
  if (n > kMaxFoldedElements) fail(Code::kUnsupported, "Range is too long to compute at import");
  for (int64_t i = 0; i < n; ++i) out.ints.push_back(s + i * d);
  out.shape = {n};
  return out;
}

HostTensor host_reshape(const HostTensor& x, Dims shape) {
  if (dims_numel(shape) != x.numel())
    fail(Code::kInvalidModel, "cannot reshape " + dims_text(x.shape) + " to " + dims_text(shape));
  HostTensor out = x;
  out.shape = std::move(shape);
  return out;
}

}  // namespace sprig::convert::onnx_import
