// Reading an ONNX file and checking that its operator set is one the importer knows.
#pragma once

#include <string>

#include "onnx/onnx_pb.h"

namespace sprig::convert::onnx_import {

constexpr int kMinOpset = 11;
constexpr int kMaxOpset = 17;

// Throws kIo when the file cannot be read and kInvalidModel (naming the path) when it is not a
// ModelProto.
onnx::ModelProto read_onnx_model(const std::string& path);

// The version of the default ("" or "ai.onnx") operator set. Throws kUnsupported when it is missing
// or outside kMinOpset..kMaxOpset.
int default_opset(const onnx::ModelProto& model);

}  // namespace sprig::convert::onnx_import
