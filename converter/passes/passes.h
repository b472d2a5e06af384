// The optimization passes, in the order optimize_graph (optimize.cc) runs them. Each pass leaves a
// valid graph: every value's shape is correct for its producer, nodes are in execution order, and
// graph inputs and outputs keep their names, shapes and (NCHW) layout.
#pragma once

#include "converter/ir/graph.h"

namespace sprig::convert {

// Evaluates every node whose inputs are all constants (with the runtime's reference kernels) and
// turns its outputs into constants. Nodes writing graph outputs are left to run.
void fold_constants(Graph& graph);

// Transpose sinking: moves Transposes down through layout-agnostic ops (activations, binary ops,
// BatchNorm, Concat, Softmax, ReduceMean, Pad, Slice), composes and cancels them, then turns
// Transposes that only move size-1 dimensions into Reshapes and merges or drops Reshapes.
void sink_transposes(Graph& graph);

// BatchNorm on the channel axis right after a Conv2D (NHWC) or FullyConnected with constant
// weights, whose output nothing else reads, is folded into the weights and bias.
void fold_batch_norms(Graph& graph);

// Add(op, constant) where op is a Conv2D / FullyConnected and the constant holds one value per
// output channel: the constant joins op's bias.
void fold_biases(Graph& graph);

// Mul(x, Sigmoid(x)) -> Silu(x); Mul(x, HardSigmoid(x) with alpha 1/6, beta 1/2) -> HardSwish(x).
void fuse_gated_activations(Graph& graph);

// An Activation right after Conv2D / FullyConnected / Add / Sub / Mul / Div, reading a value
// nothing else reads, becomes that op's fused activation.
void fuse_activations(Graph& graph);

// With dtype F16 (or BF16): the constant weights and biases of Conv2D and FullyConnected, MatMul's
// constant right operand and BatchNorm's parameters are stored in that type (round to nearest
// even). F32 leaves the graph as it is.
void convert_weights(Graph& graph, fb::DType dtype);

// Drops dead nodes, nodes whose outputs nobody reads and unused values.
void remove_dead_code(Graph& graph);

}  // namespace sprig::convert
