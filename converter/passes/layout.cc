// Transpose sinking. The importer wraps every NHWC op in Transpose(NCHW->NHWC) ... Transpose(back);
// this pass pushes Transposes down through ops that work in any layout (rewriting their axes and
// constants), composes consecutive Transposes so inverse pairs vanish, and finally turns Transposes
// that only move size-1 dimensions into Reshapes and merges Reshapes.
#include <algorithm>
#include <set>
#include <string>

#include "converter/passes/passes.h"
#include "converter/passes/rewrite.h"

namespace sprig::convert {
namespace {

const std::vector<int>& perm_of(const Node& node) {
  return node.options.AsTransposeOptions()->perm;
}

const Node* transpose_producer(const Graph& graph, int v) {
  const int p = graph.producer(v);
  if (p < 0 || graph.nodes[static_cast<size_t>(p)].type != fb::OpType::Transpose) return nullptr;
  return &graph.nodes[static_cast<size_t>(p)];
}

std::string layout_suffix(const std::vector<int>& perm) {
  if (perm == std::vector<int>{0, 3, 1, 2}) return "_nhwc";
  if (perm == std::vector<int>{0, 2, 3, 1}) return "_nchw";
  return "_t";
}

bool is_layout_agnostic(fb::OpType type) {
  switch (type) {
    case fb::OpType::Activation:
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div:
    case fb::OpType::BatchNorm:
    case fb::OpType::Concat:
    case fb::OpType::Softmax:
    case fb::OpType::ReduceMean:
    case fb::OpType::Pad:
    case fb::OpType::Slice:
      return true;
    default:
      return false;
  }
}

int normalized(int axis, size_t rank) { return axis < 0 ? axis + static_cast<int>(rank) : axis; }

// Rewrites node options whose axes refer to the transposed input t = Transpose(a, perm) so they
// refer to a. Returns the permutation that maps the rewritten node's output to the original one.
std::vector<int> remap_options(Node& node, const std::vector<int>& perm) {
  const size_t rank = perm.size();
  switch (node.type) {
    case fb::OpType::BatchNorm: {
      auto* o = node.options.AsBatchNormOptions();
      o->axis = perm[static_cast<size_t>(normalized(o->axis, rank))];
      break;
    }
    case fb::OpType::Concat: {
      auto* o = node.options.AsConcatOptions();
      o->axis = perm[static_cast<size_t>(normalized(o->axis, rank))];
      break;
    }
    case fb::OpType::Softmax: {
      auto* o = node.options.AsSoftmaxOptions();
      o->axis = perm[static_cast<size_t>(normalized(o->axis, rank))];
      break;
    }
    case fb::OpType::Pad: {
      auto* o = node.options.AsPadOptions();
      std::vector<int64_t> pads(o->pads.size());
      for (size_t k = 0; k < rank; ++k) {
        pads[static_cast<size_t>(perm[k])] = o->pads[k];
        pads[rank + static_cast<size_t>(perm[k])] = o->pads[rank + k];
      }
      o->pads = pads;
      break;
    }
    case fb::OpType::Slice: {
      auto* o = node.options.AsSliceOptions();
      std::vector<int64_t> starts(rank), steps(rank);
      for (size_t k = 0; k < rank; ++k) {
        starts[static_cast<size_t>(perm[k])] = o->starts[k];
        steps[static_cast<size_t>(perm[k])] = o->steps[k];
      }
      o->starts = starts;
      o->steps = steps;
      break;
    }
    case fb::OpType::ReduceMean: {
      auto* o = node.options.AsReduceMeanOptions();
      std::vector<char> reduced_t(rank, 0), reduced_a(rank, 0);
      for (int axis : o->axes) {
        reduced_t[static_cast<size_t>(normalized(axis, rank))] = 1;
        reduced_a[static_cast<size_t>(perm[static_cast<size_t>(normalized(axis, rank))])] = 1;
      }
      o->axes.clear();
      for (size_t a = 0; a < rank; ++a)
        if (reduced_a[a]) o->axes.push_back(static_cast<int>(a));
      if (o->keep_dims) return perm;
      std::vector<int> kept_position(rank, -1);  // a-axis -> its position in the reduced output
      int next = 0;
      for (size_t a = 0; a < rank; ++a)
        if (!reduced_a[a]) kept_position[a] = next++;
      std::vector<int> out_perm;
      for (size_t i = 0; i < rank; ++i)
        if (!reduced_t[i]) out_perm.push_back(kept_position[static_cast<size_t>(perm[i])]);
      return out_perm;
    }
    default:
      break;
  }
  return perm;
}

// A constant operand c of a node whose activations are now un-transposed: c extended to the
// transpose's rank and transposed by the inverse permutation. Scalars stay as they are.
int transposed_constant(Graph& graph, int c, const std::vector<int>& perm) {
  const Value& value = graph.values[static_cast<size_t>(c)];
  if (value.numel() == 1) return c;
  Value copy = value;
  copy.shape.insert(copy.shape.begin(), perm.size() - value.shape.size(), 1);
  const std::vector<int> inverse = inverse_permutation(perm);
  copy.data = transpose_data(copy, inverse);
  copy.shape = permute_shape(copy.shape, inverse);
  copy.name = graph.unique_name(value.name + layout_suffix(perm));
  graph.values.push_back(std::move(copy));
  return static_cast<int>(graph.values.size()) - 1;
}

// Node n = op(Transpose(a, P), ...) becomes Transpose(op'(a, ...), P).
bool sink_through(Graph& graph, size_t n) {
  const Node& node = graph.nodes[n];
  if (!is_layout_agnostic(node.type)) return false;
  std::vector<int> perm;
  std::vector<size_t> transposed, constants;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const int v = node.inputs[i];
    if (node.type == fb::OpType::BatchNorm && i > 0) continue;  // per-channel parameters
    if (is_constant(graph, v)) {
      constants.push_back(i);
      continue;
    }
    const Node* t = transpose_producer(graph, v);
    if (t == nullptr || (!perm.empty() && perm_of(*t) != perm)) return false;
    perm = perm_of(*t);
    transposed.push_back(i);
  }
  if (transposed.empty()) return false;
  for (size_t i : constants)
    if (graph.values[static_cast<size_t>(node.inputs[i])].shape.size() > perm.size()) return false;

  std::vector<int> new_inputs = node.inputs;
  for (size_t i : transposed) new_inputs[i] = transpose_producer(graph, node.inputs[i])->inputs[0];
  for (size_t i : constants) new_inputs[i] = transposed_constant(graph, node.inputs[i], perm);

  Node& target = graph.nodes[n];
  target.inputs = new_inputs;
  const std::vector<int> out_perm = remap_options(target, perm);
  const int old_output = target.outputs[0];
  const Value& out = graph.values[static_cast<size_t>(old_output)];
  const int new_output = graph.add_value(out.name + layout_suffix(out_perm), out.dtype,
                                         permute_shape(out.shape, inverse_permutation(out_perm)));
  graph.nodes[n].outputs[0] = new_output;
  graph.add_node(transpose_node(new_output, old_output, out_perm, graph.nodes[n].name));
  return true;
}

bool remove_identity_transpose(Graph& graph, size_t n) {
  Node& node = graph.nodes[n];
  if (node.type != fb::OpType::Transpose || !is_identity_permutation(perm_of(node))) return false;
  if (!bypass_value(graph, node.outputs[0], node.inputs[0])) return false;
  graph.nodes[n].dead = true;
  return true;
}

// Transpose(Transpose(x, Q), P) = Transpose(x, Q[P[i]]).
bool compose_transposes(Graph& graph, size_t n) {
  if (graph.nodes[n].type != fb::OpType::Transpose) return false;
  const Node* inner = transpose_producer(graph, graph.nodes[n].inputs[0]);
  if (inner == nullptr) return false;
  const std::vector<int> outer_perm = perm_of(graph.nodes[n]);
  const std::vector<int>& inner_perm = perm_of(*inner);
  std::vector<int> composed(outer_perm.size());
  for (size_t i = 0; i < outer_perm.size(); ++i)
    composed[i] = inner_perm[static_cast<size_t>(outer_perm[i])];
  const int source = inner->inputs[0];
  Node& node = graph.nodes[n];
  node.inputs[0] = source;
  node.options.AsTransposeOptions()->perm = composed;
  remove_identity_transpose(graph, n);
  return true;
}

// A Transpose that keeps the order of all dimensions larger than 1 is a Reshape.
bool transpose_to_reshape(Graph& graph, size_t n) {
  Node& node = graph.nodes[n];
  if (node.type != fb::OpType::Transpose) return false;
  const std::vector<int64_t>& shape = graph.values[static_cast<size_t>(node.inputs[0])].shape;
  int last = -1;
  for (int axis : perm_of(node)) {
    if (shape[static_cast<size_t>(axis)] == 1) continue;
    if (axis < last) return false;
    last = axis;
  }
  node.type = fb::OpType::Reshape;
  node.options.Set(fb::ReshapeOptionsT{});
  return true;
}

bool merge_reshapes(Graph& graph, size_t n) {
  if (graph.nodes[n].type != fb::OpType::Reshape) return false;
  const int p = graph.producer(graph.nodes[n].inputs[0]);
  if (p < 0 || graph.nodes[static_cast<size_t>(p)].type != fb::OpType::Reshape) return false;
  graph.nodes[n].inputs[0] = graph.nodes[static_cast<size_t>(p)].inputs[0];
  return true;
}

bool remove_noop_reshape(Graph& graph, size_t n) {
  Node& node = graph.nodes[n];
  if (node.type != fb::OpType::Reshape) return false;
  if (graph.values[static_cast<size_t>(node.inputs[0])].shape !=
      graph.values[static_cast<size_t>(node.outputs[0])].shape)
    return false;
  if (!bypass_value(graph, node.outputs[0], node.inputs[0])) return false;
  graph.nodes[n].dead = true;
  return true;
}

using Rule = bool (*)(Graph&, size_t);

// Applies the rules to every live node until none applies (bounded, as a safeguard).
void rewrite_to_fixed_point(Graph& graph, const std::vector<Rule>& rules) {
  const size_t max_rounds = 4 * graph.nodes.size() + 16;
  for (size_t round = 0; round < max_rounds; ++round) {
    bool changed = false;
    for (size_t n = 0; n < graph.nodes.size(); ++n) {
      for (Rule rule : rules) {
        if (graph.nodes[n].dead) break;
        if (rule(graph, n)) changed = true;
      }
    }
    graph.topological_sort();
    graph.compact();
    if (!changed) return;
  }
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Sinking names new values "<name>_nhwc" (or "_nchw"), with a counter while the value it replaces
// still holds that name; once that value is gone, the newer one takes the plain name back.
void tidy_layout_names(Graph& graph) {
  std::set<std::string> names;
  for (const Value& value : graph.values) names.insert(value.name);
  for (Value& value : graph.values) {
    const size_t underscore = value.name.rfind('_');
    if (underscore == std::string::npos || underscore + 1 == value.name.size()) continue;
    if (value.name.find_first_not_of("0123456789", underscore + 1) != std::string::npos) continue;
    const std::string stem = value.name.substr(0, underscore);
    if (!(ends_with(stem, "_nhwc") || ends_with(stem, "_nchw")) || names.count(stem)) continue;
    names.erase(value.name);
    value.name = stem;
    names.insert(stem);
  }
}

}  // namespace

void sink_transposes(Graph& graph) {
  rewrite_to_fixed_point(graph, {remove_identity_transpose, compose_transposes, sink_through,
                                 merge_reshapes, remove_noop_reshape});
  rewrite_to_fixed_point(graph, {remove_identity_transpose, compose_transposes,
                                 transpose_to_reshape, merge_reshapes, remove_noop_reshape});
  tidy_layout_names(graph);
}

}  // namespace sprig::convert
