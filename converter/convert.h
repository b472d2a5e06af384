// The converter's public entry points: import a checkpoint into the IR, optimize it, serialize it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "converter/ir/error.h"
#include "converter/ir/graph.h"

namespace sprig::convert {

struct ConvertOptions {
  // Storage type of weights of Conv2D / FullyConnected / MatMul / BatchNorm: F32 or F16.
  fb::DType weight_dtype = fb::DType::F32;
  // Value for dynamic (symbolic or unknown) input dimensions.
  int64_t dynamic_dim = 1;
  // Static shapes for named graph inputs, overriding the checkpoint's.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Run the optimization passes (constant folding, BN folding, fusion, layout, dead code).
  bool optimize = true;
  // Hugging Face decoders: the most tokens per run (the prefill chunk; a run may take fewer) and
  // KV cache rows (0: the model's max_position_embeddings, at most kDefaultContext).
  int64_t tokens_per_run = 64;
  int64_t context = 0;
  // Hugging Face decoders: KV cache element type, F32 or F16 (half the memory).
  fb::DType kv_cache_dtype = fb::DType::F32;
};

constexpr int64_t kDefaultContext = 4096;

// Reads an ONNX model (opsets 11-17) into the IR with NCHW-facing inputs and outputs.
// Throws ConvertError (kUnsupported naming node, op type and opset; kInvalidModel; kIo).
Graph import_onnx(const std::string& path, const ConvertOptions& options);

// Reads a Hugging Face checkpoint directory (config.json + model.safetensors or its shards) through
// the recipe for its architecture (models/recipes). Throws ConvertError naming what is missing,
// malformed or unsupported.
Graph import_hf(const std::string& dir, const ConvertOptions& options);

// Runs the passes in order and leaves a graph the runtime verifier accepts.
void optimize_graph(Graph& graph, const ConvertOptions& options);

}  // namespace sprig::convert
