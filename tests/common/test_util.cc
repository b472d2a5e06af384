#include "tests/common/test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "converter/serialize/serialize.h"
#include "runtime/capi/backend_registry.h"

namespace sprig::test {

std::string fixtures_dir() {
  const char* dir = std::getenv("SPRIG_FIXTURES_DIR");
  return dir ? dir : SPRIG_DEFAULT_FIXTURES_DIR;
}

std::string source_dir() { return SPRIG_SOURCE_DIR; }

std::shared_ptr<uint8_t> aligned_copy(const std::vector<uint8_t>& bytes) {
  void* memory = std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64 + 64);
  if (!bytes.empty()) std::memcpy(memory, bytes.data(), bytes.size());
  return std::shared_ptr<uint8_t>(static_cast<uint8_t*>(memory), [](uint8_t* p) { std::free(p); });
}

LoadedModel load_bytes(const std::vector<uint8_t>& bytes) {
  LoadedModel loaded;
  loaded.storage = aligned_copy(bytes);
  auto model = Model::load_from_memory(loaded.storage.get(), bytes.size());
  if (!model.ok()) {
    ADD_FAILURE() << "model does not load: " << model.status().message();
    return loaded;
  }
  loaded.model = std::move(model.value());
  return loaded;
}

Status load_bytes_status(const std::vector<uint8_t>& bytes) {
  std::shared_ptr<uint8_t> storage = aligned_copy(bytes);
  auto model = Model::load_from_memory(storage.get(), bytes.size());
  return model.ok() ? Status::ok_status() : model.status();
}

#if SPRIG_TEST_ONNX
std::vector<uint8_t> convert_onnx(const std::string& path, const convert::ConvertOptions& options) {
  convert::Graph graph = convert::import_onnx(path, options);
  if (options.optimize) convert::optimize_graph(graph, options);
  return serialize(graph);
}
#endif

std::vector<uint8_t> serialize(const convert::Graph& graph) {
  return convert::serialize_model(graph, convert::SerializeOptions{});
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    ADD_FAILURE() << "cannot open '" << path << "'";
    return {};
  }
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(file),
                              std::istreambuf_iterator<char>());
}

std::unique_ptr<Session> make_session(const Model& model, const std::vector<std::string>& backends,
                                      int num_threads) {
  std::vector<Backend*> list;
  for (const std::string& name : backends) {
    Backend* backend = find_backend(name.c_str());
    if (backend == nullptr) {
      ADD_FAILURE() << "backend '" << name << "' is not compiled in";
      return nullptr;
    }
    list.push_back(backend);
  }
  SessionOptions options;
  options.backends = list.data();
  options.num_backends = static_cast<int>(list.size());
  options.num_threads = num_threads;
  auto session = Session::create(model, options);
  if (!session.ok()) {
    ADD_FAILURE() << "session: " << session.status().message();
    return nullptr;
  }
  return std::move(session.value());
}

std::vector<float> run_graph(const convert::Graph& graph, const std::vector<float>& input) {
  LoadedModel loaded = load_bytes(serialize(graph));
  if (!loaded.model) return {};
  std::unique_ptr<Session> session = make_session(*loaded.model);
  if (!session) return {};
  EXPECT_EQ(session->input(0).bytes(), input.size() * sizeof(float));
  std::copy(input.begin(), input.end(), session->input(0).f32());
  EXPECT_TRUE(session->run().ok());
  const TensorView& out = session->output(0);
  return std::vector<float>(out.f32(), out.f32() + out.shape.numel());
}

std::vector<float> normal_values(size_t n, uint32_t seed, float stddev, float mean) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> read_npy_f32(const std::string& path, std::vector<int64_t>* shape) {
  cli::NpyArray array;
  std::string error;
  std::vector<float> values;
  if (!cli::read_npy(path, &array, &error) || !cli::npy_to_f32(array, &values, &error)) {
    ADD_FAILURE() << error;
    return {};
  }
  if (shape) *shape = array.shape;
  return values;
}

Difference compare(const float* actual, const float* expected, size_t count) {
  Difference difference;
  for (size_t i = 0; i < count; ++i) {
    const double d = std::fabs(static_cast<double>(actual[i]) - expected[i]);
    difference.max_abs = std::isnan(d) ? INFINITY : std::max(difference.max_abs, d);
    difference.max_ref = std::max(difference.max_ref, std::fabs(static_cast<double>(expected[i])));
  }
  return difference;
}

}  // namespace sprig::test
