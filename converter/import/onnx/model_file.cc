#include "converter/import/onnx/model_file.h"

#include <fstream>
#include <sstream>

#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {

onnx::ModelProto read_onnx_model(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(Code::kIo, "cannot open '" + path + "'");
  std::ostringstream bytes;
  bytes << file.rdbuf();
  if (file.bad()) fail(Code::kIo, "cannot read '" + path + "'");
  onnx::ModelProto model;
  const std::string data = bytes.str();
  if (data.empty() || !model.ParseFromString(data))
    fail(Code::kInvalidModel,
         "'" + path + "' is not a valid ONNX model (it does not parse as a ModelProto)");
  if (!model.has_graph()) fail(Code::kInvalidModel, "'" + path + "' has no graph");
  return model;
}

int default_opset(const onnx::ModelProto& model) {
  for (const onnx::OperatorSetIdProto& entry : model.opset_import()) {
    if (!entry.domain().empty() && entry.domain() != "ai.onnx") continue;
    const int64_t version = entry.version();
    if (version < kMinOpset || version > kMaxOpset)
      fail(Code::kUnsupported, "ONNX opset " + std::to_string(version) +
                                   " is not supported (opsets " + std::to_string(kMinOpset) +
                                   " to " + std::to_string(kMaxOpset) + " are)");
    return static_cast<int>(version);
  }
  fail(Code::kUnsupported, "the model does not import the default ONNX operator set");
}

}  // namespace sprig::convert::onnx_import
