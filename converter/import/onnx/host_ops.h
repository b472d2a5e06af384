// Import-time evaluation of the integer (and small float) computations exporters emit around
// shapes: these ops never reach the graph when their inputs are constants.
// Each function throws ConvertError (kInvalidModel or kUnsupported) on bad arguments.
#pragma once

#include <string>
#include <vector>

#include "converter/import/onnx/host_tensor.h"

namespace sprig::convert::onnx_import {

enum class HostBinary { kAdd, kSub, kMul, kDiv, kEqual };

// Numpy broadcasting; integer Div truncates toward zero; Equal gives BOOL.
HostTensor host_binary(HostBinary op, const HostTensor& a, const HostTensor& b);
HostTensor host_where(const HostTensor& condition, const HostTensor& x, const HostTensor& y);
HostTensor host_expand(const HostTensor& x, const Dims& shape);
HostTensor host_gather(const HostTensor& data, const HostTensor& indices, int64_t axis);
HostTensor host_concat(const std::vector<const HostTensor*>& inputs, int64_t axis);
HostTensor host_slice(const HostTensor& x, const SliceBounds& bounds);
HostTensor host_transpose(const HostTensor& x, const std::vector<int>& perm);
HostTensor host_cast(const HostTensor& x, int32_t to);
HostTensor host_range(const HostTensor& start, const HostTensor& limit, const HostTensor& delta);
HostTensor host_reshape(const HostTensor& x, Dims shape);

}  // namespace sprig::convert::onnx_import
