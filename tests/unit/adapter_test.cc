// LoRA adapter files: written by the converter (serialize_adapter) and read back by the runtime's
// loader with their targets, A and B (F32 and F16) as written; model and adapter files each refused
// by the other's loader with a message saying which is which; corrupt, truncated and inconsistent
// files refused by name.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "converter/adapter/adapter_writer.h"
#include "converter/ir/error.h"
#include "runtime/core/adapter.h"
#include "runtime/core/file_header.h"
#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"

namespace sprig {
namespace {

const char* const kHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::vector<convert::LoraWeights> two_targets() {
  convert::LoraWeights q;
  q.weight = "layers.0.q_proj.weight";
  q.n = 6;
  q.k = 5;
  q.rank = 2;
  q.alpha = 4.0f;
  q.scaling = 2.0f;
  q.a = test::normal_values(static_cast<size_t>(q.rank * q.k), 1);
  q.b = test::normal_values(static_cast<size_t>(q.n * q.rank), 2);
  convert::LoraWeights v = q;
  v.weight = "layers.0.v_proj.weight";
  v.n = 3;
  v.rank = 1;
  v.a = test::normal_values(static_cast<size_t>(v.rank * v.k), 3);
  v.b = test::normal_values(static_cast<size_t>(v.n * v.rank), 4);
  return {q, v};
}

struct LoadedAdapter {
  explicit LoadedAdapter(const std::vector<uint8_t>& bytes)
      : storage(test::aligned_copy(bytes)),
        adapter(Adapter::load_from_memory(storage.get(), bytes.size())) {}
  std::shared_ptr<uint8_t> storage;
  Result<std::unique_ptr<Adapter>> adapter;
};

void expect_refused(const std::vector<uint8_t>& bytes, const std::string& words) {
  LoadedAdapter loaded(bytes);
  ASSERT_FALSE(loaded.adapter.ok()) << "accepted; expected: " << words;
  EXPECT_NE(std::string(loaded.adapter.status().message()).find(words), std::string::npos)
      << loaded.adapter.status().message();
}

TEST(Adapter, WrittenAndReadBackInF32AndF16) {
  const std::vector<convert::LoraWeights> targets = two_targets();
  for (fb::DType dtype : {fb::DType::F32, fb::DType::F16}) {
    SCOPED_TRACE(dtype_name(dtype));
    LoadedAdapter loaded(convert::serialize_adapter(targets, kHash, dtype, {}));
    ASSERT_TRUE(loaded.adapter.ok()) << loaded.adapter.status().message();
    const Adapter& adapter = **loaded.adapter;
    EXPECT_STREQ(adapter.base_content_hash(), kHash);
    ASSERT_EQ(adapter.num_targets(), 2);
    for (int t = 0; t < 2; ++t) {
      const convert::LoraWeights& want = targets[static_cast<size_t>(t)];
      const LoraTarget& got = adapter.target(t);
      EXPECT_EQ(got.weight, want.weight);
      EXPECT_EQ(got.rank, want.rank);
      EXPECT_EQ(got.alpha, want.alpha);
      EXPECT_EQ(got.scaling, want.scaling);
      ASSERT_EQ(got.a->dtype, dtype);
      EXPECT_EQ(got.a->shape[0], want.rank);
      EXPECT_EQ(got.a->shape[1], want.k);
      EXPECT_EQ(got.b->shape[0], want.n);
      EXPECT_EQ(got.b->shape[1], want.rank);
      for (size_t i = 0; i < want.a.size(); ++i) {
        const float a = dtype == fb::DType::F16 ? f16_to_f32(got.a->as<const uint16_t>()[i]) : got.a->f32()[i];
        EXPECT_NEAR(a, want.a[i], dtype == fb::DType::F16 ? 1e-3 * (1 + std::fabs(want.a[i])) : 0.0);
      }
      for (size_t i = 0; i < want.b.size(); ++i) {
        const float b = dtype == fb::DType::F16 ? f16_to_f32(got.b->as<const uint16_t>()[i]) : got.b->f32()[i];
        EXPECT_NEAR(b, want.b[i], dtype == fb::DType::F16 ? 1e-3 * (1 + std::fabs(want.b[i])) : 0.0);
      }
    }
  }
}

TEST(Adapter, ModelsAndAdaptersAreToldApart) {
  const std::vector<uint8_t> adapter = convert::serialize_adapter(two_targets(), kHash, fb::DType::F32, {});
  const Status as_model = test::load_bytes_status(adapter);
  EXPECT_EQ(as_model.code(), Code::kInvalidModel);
  EXPECT_NE(std::string(as_model.message()).find("this is a LoRA adapter, not a model"), std::string::npos)
      << as_model.message();
  expect_refused(test::serialize(test::tiny_graph()), "this is a model, not a LoRA adapter");
}

TEST(Adapter, CorruptTruncatedAndInconsistentFilesAreRefused) {
  const std::vector<uint8_t> good = convert::serialize_adapter(two_targets(), kHash, fb::DType::F32, {});
  expect_refused(std::vector<uint8_t>(good.begin(), good.begin() + 40), "truncated");
  expect_refused(std::vector<uint8_t>(good.begin(), good.end() - 8), "truncated");
  std::vector<uint8_t> flipped = good;
  flipped[kFileHeaderSize + 24] ^= 0xff;
  EXPECT_FALSE(LoadedAdapter(flipped).adapter.ok());
  expect_refused(test::rewrite_adapter(good, [](fb::AdapterT& a) { a.targets[0]->rank = 3; }),
                 "do not have rank 3");
  expect_refused(test::rewrite_adapter(good, [](fb::AdapterT& a) { a.targets[1]->b = 7; }),
                 "is not one of its 4 tensors");
  expect_refused(test::rewrite_adapter(good, [](fb::AdapterT& a) { a.targets[1]->weight = a.targets[0]->weight; }),
                 "both adapt 'layers.0.q_proj.weight'");
  expect_refused(test::rewrite_adapter(good, [](fb::AdapterT& a) { a.base_content_hash.clear(); }),
                 "content hash");
  expect_refused(test::rewrite_adapter(good, [](fb::AdapterT& a) { a.tensors[0]->dtype = fb::DType::I8; }),
                 "LoRA matrices are F32 or F16");
  expect_refused(test::rewrite_adapter(good, [](fb::AdapterT& a) { a.targets[0]->scaling = std::numeric_limits<float>::quiet_NaN(); }), "not finite");
  EXPECT_THROW(convert::serialize_adapter({}, kHash, fb::DType::F32, {}), convert::ConvertError);
  std::vector<convert::LoraWeights> short_b = two_targets();
  short_b[0].b.pop_back();
  EXPECT_THROW(convert::serialize_adapter(short_b, kHash, fb::DType::F32, {}), convert::ConvertError);
}

}  // namespace
}  // namespace sprig
