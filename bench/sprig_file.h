// A .sprig file read for the benchmark tools without Sprig's runtime: the bytes in one 64-byte
// aligned buffer, the header and the flatbuffer checked (docs/format.md), and the tensors' shapes
// and constant data located through the generated flatbuffers header. Host-only helper code: it
// reports errors as strings and may allocate freely.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/schema/sprig_generated.h"

namespace sprig_bench {

class SprigFile {
 public:
  // Reads and checks `path`; null with *error set when it cannot be read or is malformed.
  static std::unique_ptr<SprigFile> read(const std::string& path, std::string* error);

  const sprig::fb::Model& model() const { return *model_; }
  const sprig::fb::Graph& graph() const { return *model_->graph(); }
  const sprig::fb::Tensor& tensor(int index) const { return *graph().tensors()->Get(index); }
  std::vector<int64_t> shape(int index) const;
  int64_t numel(int index) const;
  // The constant bytes of tensor `index` (inside this object's buffer), or null for activations.
  const void* data(int index) const;

 private:
  SprigFile() = default;
  std::unique_ptr<uint8_t, void (*)(void*)> bytes_{nullptr, nullptr};
  size_t size_ = 0;
  const sprig::fb::Model* model_ = nullptr;
};

// Multiply-accumulates of one inference: Conv2D, FullyConnected and MatMul counted from the
// graph's static shapes (the usual "FLOPs = 2 x MACs" convention ignores every other op).
int64_t graph_macs(const SprigFile& file);

}  // namespace sprig_bench
