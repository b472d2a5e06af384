// Computes a node's outputs when all its inputs are constants, by running the op on the runtime's
// reference backend (the same kernels the runtime uses, so folding agrees with execution).
#pragma once

#include <cstdint>
#include <vector>

#include "converter/ir/graph.h"

namespace sprig::convert {

// One byte vector per node output, dense row-major in the output value's dtype and shape.
// Throws ConvertError when the op cannot be evaluated (unsupported op, invalid shapes).
std::vector<std::vector<uint8_t>> evaluate_constant_node(const Graph& graph, int node_index);

}  // namespace sprig::convert
