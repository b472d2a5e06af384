// A small hand-built graph (Conv2D -> Relu-fused -> Reshape -> FullyConnected) for tests that need
// a valid model to start from, and a way to rewrite a serialized model's (or adapter's) flatbuffer.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "converter/ir/graph.h"
#include "runtime/schema/adapter_generated.h"

namespace sprig::test {

// x [1,5,5,2] -> Conv2D(w [3,3,3,2], b [3]) -> [1,3,3,3] -> Reshape [1,27] -> FC(w [4,27]) -> [1,4]
convert::Graph tiny_graph();

// Unpacks the flatbuffer of `file`, lets `mutate` change it, and reassembles the file with the same
// weight segment bytes.
std::vector<uint8_t> rewrite_model(const std::vector<uint8_t>& file,
                                   const std::function<void(fb::ModelT&)>& mutate);
// The same for a LoRA adapter file.
std::vector<uint8_t> rewrite_adapter(const std::vector<uint8_t>& file,
                                     const std::function<void(fb::AdapterT&)>& mutate);

}  // namespace sprig::test
