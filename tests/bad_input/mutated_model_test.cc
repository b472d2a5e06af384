// Structure-aware fuzzing, deterministic: valid models with one field at a time set to a hostile
// value (shapes, dtypes, indices, offsets, op types and options, plan offsets) must either load and
// run, or be refused with a status; never crash. The sanitizer build of the suite runs it too.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "backends/reference/reference_backend.h"
#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"

namespace sprig::test {
namespace {

int64_t hostile_int(std::mt19937_64& rng) {
  static const int64_t kValues[] = {0, 1, 2, 3, -1, -2, 7, 64, 4096, 1 << 20, int64_t{1} << 31,
                                    int64_t{1} << 40, std::numeric_limits<int32_t>::max(),
                                    std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::min()};
  return kValues[rng() % (sizeof(kValues) / sizeof(kValues[0]))];
}

void mutate(fb::ModelT& model, std::mt19937_64& rng) {
  fb::GraphT& graph = *model.graph;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % std::max<size_t>(n, 1)); };
  auto& tensor = *graph.tensors[pick(graph.tensors.size())];
  auto& op = *graph.ops[pick(graph.ops.size())];
  const int32_t small = static_cast<int32_t>(hostile_int(rng));
  switch (rng() % 12) {
    case 0:
      if (!tensor.shape.empty()) tensor.shape[pick(tensor.shape.size())] = hostile_int(rng);
      break;
    case 1: tensor.shape.push_back(hostile_int(rng)); break;
    case 2: tensor.dtype = static_cast<fb::DType>(rng() % 12); break;
    case 3: tensor.buffer = small; break;
    case 4:
      if (!model.buffers.empty()) model.buffers[pick(model.buffers.size())]->offset = static_cast<uint64_t>(hostile_int(rng));
      break;
    case 5:
      if (!model.buffers.empty()) model.buffers[pick(model.buffers.size())]->size = static_cast<uint64_t>(hostile_int(rng));
      break;
    case 6:
      if (!op.inputs.empty()) op.inputs[pick(op.inputs.size())] = small;
      break;
    case 7: op.type = static_cast<fb::OpType>(rng() % 24); break;
    case 8:
      if (auto* conv = op.options.AsConv2DOptions()) {
        int32_t* fields[] = {&conv->stride_h, &conv->stride_w, &conv->dilation_h, &conv->dilation_w,
                             &conv->pad_top, &conv->pad_left, &conv->pad_bottom, &conv->pad_right,
                             &conv->groups};
        *fields[pick(9)] = small;
      } else if (auto* pool = op.options.AsPool2DOptions()) {
        int32_t* fields[] = {&pool->kernel_h, &pool->kernel_w, &pool->stride_h, &pool->stride_w,
                             &pool->dilation_h, &pool->pad_top, &pool->pad_bottom, &pool->pad_right};
        *fields[pick(8)] = small;
      } else if (auto* transpose = op.options.AsTransposeOptions()) {
        if (!transpose->perm.empty()) transpose->perm[pick(transpose->perm.size())] = small;
      } else if (auto* fused = op.options.AsFullyConnectedOptions()) {
        fused->fused = std::make_unique<fb::ActivationT>();
        fused->fused->kind = static_cast<fb::ActivationKind>(rng() % 14);
      }
      break;
    case 9: model.memory_plan->offsets[pick(model.memory_plan->offsets.size())] = hostile_int(rng); break;
    case 10: model.memory_plan->arena_size = static_cast<uint64_t>(hostile_int(rng)); break;
    case 11:
      if (!graph.outputs.empty()) graph.outputs[0] = small;
      break;
  }
}

void mutate_and_load(const std::vector<uint8_t>& good, int iterations, int* refused, int* ran) {
  std::mt19937_64 rng(1234);
  for (int i = 0; i < iterations; ++i) {
    const std::vector<uint8_t> bytes = rewrite_model(good, [&](fb::ModelT& model) {
      mutate(model, rng);
      if (rng() % 3 == 0) mutate(model, rng);
    });
    const Status status = load_bytes_status(bytes);
    if (!status.ok()) {
      EXPECT_NE(status.message()[0], '\0');
      ++*refused;
      continue;
    }
    LoadedModel loaded = load_bytes(bytes);
    ASSERT_TRUE(loaded.model);
    Backend* backends[] = {reference_backend()};
    SessionOptions options;
    options.backends = backends;
    options.num_backends = 1;
    auto session = Session::create(*loaded.model, options);
    if (session.ok()) (void)(*session)->run();
    ++*ran;
  }
}

TEST(MutatedModelTest, HostileFieldsAreRefusedOrRunCleanly) {
  int refused = 0, ran = 0;
  mutate_and_load(serialize(tiny_graph()), 3000, &refused, &ran);
  // The bundled digits CNN as sprig-convert writes it (no ONNX importer needed: cross builds too).
  mutate_and_load(read_file(fixtures_dir() + "/digits/digits.sprig"), 1500, &refused, &ran);
  std::printf("[ figures  ] mutated models: %d refused with a status, %d loaded and ran\n", refused, ran);
  EXPECT_GT(refused, 2000);
}

}  // namespace
}  // namespace sprig::test
