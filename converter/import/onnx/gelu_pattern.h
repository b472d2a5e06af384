// ONNX has no Gelu before opset 20, so exporters write it out: x * 0.5 * (1 + Erf(x / sqrt(2))).
// This finds exactly that subgraph (with Div by sqrt(2) or Mul by 1/sqrt(2), and either order of
// the final multiplications) so the importer can emit one Gelu activation; nothing else is
// rewritten, and a lone Erf stays unsupported.
#pragma once

#include <map>
#include <set>
#include <string>

#include "onnx/onnx_pb.h"

namespace sprig::convert::onnx_import {

struct GeluPatterns {
  std::map<int, std::string> last_node_input;  // index of the pattern's last node -> x
  std::set<int> inner_nodes;                   // the pattern's other nodes, not imported
};

GeluPatterns find_gelu_patterns(const onnx::GraphProto& graph);

}  // namespace sprig::convert::onnx_import
