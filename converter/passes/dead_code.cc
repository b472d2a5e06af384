#include "converter/passes/passes.h"

namespace sprig::convert {

void remove_dead_code(Graph& graph) {
  graph.topological_sort();
  graph.compact();
}

}  // namespace sprig::convert
