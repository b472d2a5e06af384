// Helpers shared by the tests: converting ONNX files in memory, loading models from bytes, running
// them on the reference backend, reading .npy files, and comparing outputs. Everything but
// convert_onnx builds without the ONNX importer, for the cross builds run under qemu.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "runtime/cli/npy.h"
#include "runtime/core/session.h"

namespace sprig::test {

// The directory holding generated fixtures (SPRIG_FIXTURES_DIR), and the source tree.
std::string fixtures_dir();
std::string source_dir();

// A 64-byte aligned copy of `bytes` (a model or adapter file to load from memory).
std::shared_ptr<uint8_t> aligned_copy(const std::vector<uint8_t>& bytes);

// A model verified from a 64-byte aligned copy of `bytes`, which it keeps alive.
struct LoadedModel {
  std::shared_ptr<uint8_t> storage;
  std::unique_ptr<Model> model;
};
// Fails the current test (ADD_FAILURE) and returns a null model on error.
LoadedModel load_bytes(const std::vector<uint8_t>& bytes);
Status load_bytes_status(const std::vector<uint8_t>& bytes);

#if SPRIG_TEST_ONNX
// An ONNX file imported, optimized and serialized as sprig-convert does. Only in builds with the
// ONNX importer (SPRIG_ONNX=ON; cross builds have none and load host-converted .sprig fixtures).
std::vector<uint8_t> convert_onnx(const std::string& path,
                                  const convert::ConvertOptions& options = convert::ConvertOptions());
#endif
std::vector<uint8_t> serialize(const convert::Graph& graph);
// The bytes of a file (a .sprig fixture); fails the current test and returns nothing on error.
std::vector<uint8_t> read_file(const std::string& path);

// A session over the given backend names (default: reference).
std::unique_ptr<Session> make_session(const Model& model,
                                      const std::vector<std::string>& backends = {"reference"},
                                      int num_threads = 1);

// Serializes `graph`, runs it on the reference backend with one f32 input and returns its first
// output (empty, with a test failure recorded, when it does not load or run).
std::vector<float> run_graph(const convert::Graph& graph, const std::vector<float>& input);

std::vector<float> read_npy_f32(const std::string& path, std::vector<int64_t>* shape = nullptr);

// n values drawn from N(mean, stddev^2) by std::mt19937 seeded with `seed`.
std::vector<float> normal_values(size_t n, uint32_t seed, float stddev = 1.0f, float mean = 0.0f);

struct Difference {
  double max_abs = 0;        // max |a - b|
  double max_ref = 0;        // max |b|
  double relative() const { return max_ref > 0 ? max_abs / max_ref : max_abs; }
};
Difference compare(const float* actual, const float* expected, size_t count);

}  // namespace sprig::test
