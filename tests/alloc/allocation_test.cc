// Session::run must never touch the heap: this executable counts every malloc/calloc/realloc and
// operator new while a flag is set, and runs real models with the flag on.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "runtime/capi/backend_registry.h"
#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"
#include "converter/adapter/adapter_writer.h"
#include "converter/convert.h"
#include "converter/quantize/quantize_weights.h"
#include "runtime/llm/generator.h"

extern "C" void* __libc_malloc(size_t size);
extern "C" void* __libc_calloc(size_t count, size_t size);
extern "C" void* __libc_realloc(void* pointer, size_t size);
extern "C" void __libc_free(void* pointer);

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}
}  // namespace

extern "C" void* malloc(size_t size) {
  count();
  return __libc_malloc(size);
}
extern "C" void* calloc(size_t count_, size_t size) {
  count();
  return __libc_calloc(count_, size);
}
extern "C" void* realloc(void* pointer, size_t size) {
  count();
  return __libc_realloc(pointer, size);
}
void* operator new(size_t size) {
  count();
  if (void* p = __libc_malloc(size ? size : 1)) return p;
  std::abort();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }

namespace sprig::test {
namespace {

long allocations_during_runs(Session& session, int runs) {
  g_allocations = 0;
  g_counting = true;
  bool ok = true;
  for (int i = 0; i < runs; ++i) ok = session.run().ok() && ok;
  g_counting = false;
  EXPECT_TRUE(ok);
  return g_allocations.load();
}

TEST(AllocationTest, CounterSeesAllocations) {
  g_allocations = 0;
  g_counting = true;
  void* volatile p = std::malloc(16);
  int* volatile q = new int(3);
  g_counting = false;
  std::free(p);
  delete q;
  EXPECT_EQ(g_allocations.load(), 2);
}

// Every backend path, with one thread and with a pool of two: the reference backend alone, the
// CPU backend with XNNPACK (where built) and with our own kernels only, each falling back to the
// reference for the ops it does not run.
struct Path {
  std::vector<std::string> backends;
  int threads;
};
const Path kPaths[] = {{{"reference"}, 1},
                       {{"cpu", "reference"}, 1},
                       {{"cpu", "reference"}, 2},
                       {{"cpu-xnnpack", "reference"}, 2},  // built with XNNPACK only
                       {{"cpu-own", "reference"}, 1},
                       {{"cpu-own", "reference"}, 2}};

std::string path_name(const Path& path) {
  std::string name;
  for (const std::string& backend : path.backends) name += backend + ",";
  return name + " threads " + std::to_string(path.threads);
}

std::unique_ptr<Session> session_on(const Model& model, const Path& path) {
  std::vector<Backend*> backends;
  for (const std::string& name : path.backends) backends.push_back(find_backend(name.c_str()));
  SessionOptions options;
  options.backends = backends.data();
  options.num_backends = static_cast<int>(backends.size());
  options.num_threads = path.threads;
  auto session = Session::create(model, options);
  if (!session.ok()) {
    ADD_FAILURE() << path_name(path) << ": " << session.status().message();
    return nullptr;
  }
  return std::move(session.value());
}

void expect_no_allocations(const Model& model, int runs, const std::string& label) {
  for (const Path& path : kPaths) {
    if (!find_backend(path.backends[0].c_str())) {
      std::printf("[ skipped  ] %s: backend not in this build\n", path_name(path).c_str());
      continue;
    }
    std::unique_ptr<Session> session = session_on(model, path);
    ASSERT_TRUE(session) << label;
    EXPECT_EQ(allocations_during_runs(*session, runs), 0) << label << " on " << path_name(path);
  }
}

TEST(AllocationTest, RunDoesNotAllocateTinyModel) {
  LoadedModel loaded = load_bytes(serialize(tiny_graph()));
  ASSERT_TRUE(loaded.model);
  expect_no_allocations(*loaded.model, 5, "tiny model");
}

TEST(AllocationTest, RunDoesNotAllocateDigitsSprigFile) {
  LoadedModel loaded = load_bytes(read_file(fixtures_dir() + "/digits/digits.sprig"));
  ASSERT_TRUE(loaded.model);
  expect_no_allocations(*loaded.model, 5, "digits.sprig");
}

#if SPRIG_TEST_ONNX
TEST(AllocationTest, RunDoesNotAllocateDigitsF32AndF16) {
  for (fb::DType weights : {fb::DType::F32, fb::DType::F16}) {
    convert::ConvertOptions options;
    options.weight_dtype = weights;
    LoadedModel loaded =
        load_bytes(convert_onnx(source_dir() + "/models/digits/digits.onnx", options));
    ASSERT_TRUE(loaded.model);
    expect_no_allocations(*loaded.model, 5, std::string("digits ") + dtype_name(weights));
  }
}

TEST(AllocationTest, RunDoesNotAllocateQuantizedDigits) {
  for (convert::WeightScheme scheme :
       {convert::WeightScheme::kInt8PerChannel, convert::WeightScheme::kInt4Grouped}) {
    convert::ConvertOptions options;
    convert::Graph graph =
        convert::import_onnx(source_dir() + "/models/digits/digits.onnx", options);
    convert::optimize_graph(graph, options);
    convert::WeightQuantOptions quant;
    quant.scheme = scheme;
    convert::quantize_weights(graph, quant);
    LoadedModel loaded = load_bytes(serialize(graph));
    ASSERT_TRUE(loaded.model);
    expect_no_allocations(
        *loaded.model, 5,
        scheme == convert::WeightScheme::kInt4Grouped ? "digits int4" : "digits int8-weights");
  }
}

TEST(AllocationTest, RunDoesNotAllocateMobileNetV2) {
  LoadedModel loaded = load_bytes(convert_onnx(fixtures_dir() + "/mobilenet_v2.onnx"));
  ASSERT_TRUE(loaded.model);
  expect_no_allocations(*loaded.model, 1, "MobileNetV2");
}
#endif

// The decode loop of generation (sampling with every filter on, feeding the token back, streaming
// its text, checking stop strings) on the trained tiny Llama, int4 and int8 weights, without and
// with a LoRA adapter bound: counting starts at the first streamed text and ends when generate()
// returns.
bool start_counting(void* context, const char*, size_t) {
  ++*static_cast<int*>(context);
  g_counting = true;
  return true;
}

// A rank-4 adapter on every q_proj and v_proj of `model`, random.
std::vector<uint8_t> random_adapter(const Model& model) {
  std::vector<convert::LoraWeights> targets;
  for (int i = 0; i < model.num_tensors(); ++i) {
    const std::string name = model.tensor_name(i);
    const size_t at = name.rfind("_proj.weight");
    if (at == std::string::npos || at + 12 != name.size() || at < 1 ||
        (name[at - 1] != 'q' && name[at - 1] != 'v'))
      continue;
    convert::LoraWeights t;
    t.weight = name;
    t.n = model.tensor(i).shape[0];
    t.k = model.tensor(i).shape[1];
    t.rank = 4;
    t.scaling = 0.5f;
    t.a = normal_values(static_cast<size_t>(t.rank * t.k), static_cast<uint32_t>(2 * i), 0.1f);
    t.b = normal_values(static_cast<size_t>(t.n * t.rank), static_cast<uint32_t>(2 * i + 1), 0.1f);
    targets.push_back(std::move(t));
  }
  return convert::serialize_adapter(targets, model.content_hash(), fb::DType::F16, {});
}

TEST(AllocationTest, DecodeLoopDoesNotAllocate) {
  for (convert::WeightScheme scheme : {convert::WeightScheme::kInt4Grouped, convert::WeightScheme::kInt8PerChannel}) {
    convert::ConvertOptions options;
    options.tokens_per_run = 4;
    options.context = 96;
    convert::Graph graph = convert::import_hf(source_dir() + "/models/text/tiny_llama", options);
    convert::optimize_graph(graph, options);
    convert::WeightQuantOptions quant;
    quant.scheme = scheme;
    convert::quantize_weights(graph, quant);
    LoadedModel loaded = load_bytes(serialize(graph));
    ASSERT_TRUE(loaded.model && loaded.model->tokenizer());
    auto tokenizer = llm::Tokenizer::create(*loaded.model->tokenizer());
    ASSERT_TRUE(tokenizer.ok());
    const std::vector<uint8_t> adapter_bytes = random_adapter(*loaded.model);
    const std::shared_ptr<uint8_t> adapter_storage = aligned_copy(adapter_bytes);
    auto adapter = Adapter::load_from_memory(adapter_storage.get(), adapter_bytes.size());
    ASSERT_TRUE(adapter.ok()) << adapter.status().message();
    for (const auto& [path, lora] : {std::pair{Path{{"reference"}, 1}, false}, {Path{{"cpu", "reference"}, 2}, false},
                                     {Path{{"cpu", "reference"}, 2}, true}}) {
      SCOPED_TRACE(lora ? "with a LoRA adapter" : "base");
      std::unique_ptr<Session> session = session_on(*loaded.model, path);
      ASSERT_TRUE(session);
      if (lora) {
        ASSERT_TRUE(session->bind_adapter(**adapter).ok());
      }
      llm::GenerateOptions generate;
      generate.max_new_tokens = 40;
      generate.stop_at_eos = false;
      generate.stop_strings = {"\n\n\n", "zzzzqqq"};
      generate.sampling = {0.8f, 40, 0.95f, 0.05f, 1.1f, 64, 1234};
      auto generator = llm::Generator::create(*session, **tokenizer, generate);
      ASSERT_TRUE(generator.ok()) << generator.status().message();
      int pieces = 0;
      g_allocations = 0;
      llm::GenerationStats stats;
      const Status status = (*generator)->generate("Return the number of", false, start_counting, &pieces, &stats);
      g_counting = false;
      ASSERT_TRUE(status.ok()) << status.message();
      EXPECT_GT(pieces, 5);
      EXPECT_GE(stats.generated_tokens, 10);
      EXPECT_EQ(g_allocations.load(), 0) << path_name(path) << ", " << stats.generated_tokens << " tokens";
    }
  }
}

}  // namespace
}  // namespace sprig::test
