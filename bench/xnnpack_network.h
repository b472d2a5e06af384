// The floor for Sprig's XNNPACK path: the network of a .sprig file defined directly with XNNPACK's
// subgraph API (xnn_define_*) and run by xnn_create_runtime_v2 on a pthreadpool, without Sprig's
// session or backends. Graph and weights are read from the file itself (bench/sprig_file.h), so
// both sides run exactly the same network with the same weights.
//
// Ops defined in the subgraph: Conv2D (dense, grouped, depthwise), FullyConnected, Add / Sub / Mul
// / Div with broadcasting, the activations Relu, Clip, Sigmoid, HardSwish, HardSigmoid (x * a + b
// clamped to [0, 1]), Silu (x * sigmoid(x)) and LeakyRelu, fused or standalone, MaxPool2D (ceil
// mode as extra bottom/right padding), AveragePool2D without padding, GlobalAveragePool,
// ReduceMean over H and W, Reshape, Softmax on the last axis and constant Pad.
// The Debian XNNPACK snapshot (2022-02) defines neither Transpose nor Concat in subgraphs, so
// these run between runtimes: Transpose as a plain loop (Sprig's graphs transpose only at their
// NCHW edges) and Concat as XNNPACK's strided copy operators (copy_nc_x32) on the same pool.
// A network with such ops is therefore a sequence of runtimes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sprig_bench {

class SprigFile;

class XnnNetwork {
 public:
  // Builds the network of `file` (which must outlive it) for `num_threads` threads in all, the
  // calling thread included (1: no pool; 0: one thread per core). Null with *error naming the op or XNNPACK call at fault.
  static std::unique_ptr<XnnNetwork> create(const SprigFile& file, int num_threads,
                                            std::string* error);
  ~XnnNetwork();
  XnnNetwork(const XnnNetwork&) = delete;
  XnnNetwork& operator=(const XnnNetwork&) = delete;

  // The graph's first input and output, F32, in the graph's layout (NCHW for ONNX models).
  float* input();
  const float* output() const;
  const std::vector<int64_t>& input_shape() const { return input_shape_; }
  const std::vector<int64_t>& output_shape() const { return output_shape_; }

  // One inference. False with *error set when XNNPACK reports a failure.
  bool run(std::string* error);

  struct Impl;

 private:
  XnnNetwork() = default;
  std::unique_ptr<Impl> impl_;
  std::vector<int64_t> input_shape_;
  std::vector<int64_t> output_shape_;
};

}  // namespace sprig_bench
