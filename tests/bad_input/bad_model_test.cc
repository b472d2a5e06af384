// Every kind of broken model file gets its own clear error, never a crash.
#include <gtest/gtest.h>

#include <dirent.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "runtime/core/file_header.h"
#include "tests/common/test_util.h"
#include "tests/common/tiny_model.h"

namespace sprig::test {
namespace {

class BadModelTest : public ::testing::Test {
 protected:
  void SetUp() override { good_ = serialize(tiny_graph()); }

  void expect_error(const std::vector<uint8_t>& bytes, Code code, const char* fragment) {
    const Status status = load_bytes_status(bytes);
    EXPECT_EQ(status.code(), code) << status.message();
    EXPECT_NE(std::strstr(status.message(), fragment), nullptr)
        << "message '" << status.message() << "' lacks '" << fragment << "'";
  }

  FileHeader header() const {
    FileHeader h;
    std::memcpy(&h, good_.data(), sizeof(h));
    return h;
  }

  std::vector<uint8_t> good_;
};

TEST_F(BadModelTest, GoodModelLoadsAndRuns) {
  ASSERT_TRUE(load_bytes_status(good_).ok());
  LoadedModel loaded = load_bytes(good_);
  ASSERT_TRUE(loaded.model);
  std::unique_ptr<Session> session = make_session(*loaded.model);
  ASSERT_TRUE(session);
  EXPECT_TRUE(session->run().ok());
}

TEST_F(BadModelTest, TruncatedFile) {
  std::vector<uint8_t> bytes(good_.begin(), good_.begin() + static_cast<long>(good_.size() / 2));
  expect_error(bytes, Code::kInvalidModel, "truncated");
  expect_error(std::vector<uint8_t>(good_.begin(), good_.begin() + 10), Code::kInvalidModel, "truncated");
}

TEST_F(BadModelTest, NotASprigFile) {
  std::vector<uint8_t> bytes = good_;
  std::memcpy(bytes.data(), "PK\x03\x04", 4);
  expect_error(bytes, Code::kInvalidModel, "SPRIGMDL");
}

TEST_F(BadModelTest, WrongFileIdentifier) {
  std::vector<uint8_t> bytes = good_;
  std::memcpy(bytes.data() + kFileHeaderSize + 4, "SPRX", 4);
  expect_error(bytes, Code::kInvalidModel, "wrong file identifier 'SPRX'");
}

TEST_F(BadModelTest, NewerFormatVersion) {
  std::vector<uint8_t> bytes = good_;
  FileHeader h = header();
  h.format_version = 99;
  std::memcpy(bytes.data(), &h, sizeof(h));
  expect_error(bytes, Code::kUnsupported, "version 99 is newer");
}

TEST_F(BadModelTest, CorruptFlatbuffer) {
  std::vector<uint8_t> bytes = good_;
  for (size_t i = kFileHeaderSize + 8; i < kFileHeaderSize + 64; ++i) bytes[i] = 0xff;
  expect_error(bytes, Code::kInvalidModel, "corrupt");
}

TEST_F(BadModelTest, TensorDataPastTheEndOfItsSegment) {
  const std::vector<uint8_t> bytes =
      rewrite_model(good_, [](fb::ModelT& model) { model.buffers[0]->offset = 1u << 30; });
  expect_error(bytes, Code::kInvalidModel, "runs past the end of segment 0");
}

TEST_F(BadModelTest, SegmentPastTheEndOfTheFile) {
  std::vector<uint8_t> bytes = good_;
  bytes.resize(bytes.size() - 64);
  FileHeader h = header();
  h.file_size = bytes.size();
  std::memcpy(bytes.data(), &h, sizeof(h));
  expect_error(bytes, Code::kInvalidModel, "runs past the end of the file");
}

TEST_F(BadModelTest, HeaderSizeDisagreesWithFile) {
  std::vector<uint8_t> bytes = good_;
  bytes.resize(bytes.size() - 64);
  expect_error(bytes, Code::kInvalidModel, "the header says");
}

TEST_F(BadModelTest, InconsistentShapes) {
  const std::vector<uint8_t> bytes = rewrite_model(good_, [](fb::ModelT& model) {
    for (auto& tensor : model.graph->tensors)
      if (tensor->name == "conv.out") tensor->shape = {1, 4, 4, 3};
  });
  expect_error(bytes, Code::kInvalidModel, "conv");
}

TEST_F(BadModelTest, WrongWeightDataSize) {
  const std::vector<uint8_t> bytes = rewrite_model(good_, [](fb::ModelT& model) {
    model.buffers[0]->size -= 4;
  });
  expect_error(bytes, Code::kInvalidModel, "conv.weight");
}

TEST_F(BadModelTest, UnknownOp) {
  const std::vector<uint8_t> bytes = rewrite_model(good_, [](fb::ModelT& model) {
    model.graph->ops[1]->type = static_cast<fb::OpType>(777);
  });
  const Status status = load_bytes_status(bytes);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::strstr(status.message(), "777"), nullptr) << status.message();
  EXPECT_NE(std::strstr(status.message(), "flatten"), nullptr) << status.message();
}

TEST_F(BadModelTest, OpReadsTensorOutOfRange) {
  const std::vector<uint8_t> bytes = rewrite_model(good_, [](fb::ModelT& model) {
    model.graph->ops[2]->inputs[0] = 1000;
  });
  expect_error(bytes, Code::kInvalidModel, "refers to tensor 1000");
}

TEST_F(BadModelTest, OpReadsTensorBeforeItIsWritten) {
  const std::vector<uint8_t> bytes = rewrite_model(good_, [](fb::ModelT& model) {
    std::swap(model.graph->ops[1], model.graph->ops[2]);
  });
  expect_error(bytes, Code::kInvalidModel, "before anything writes it");
}

TEST_F(BadModelTest, OverlappingMemoryPlan) {
  const std::vector<uint8_t> bytes = rewrite_model(good_, [](fb::ModelT& model) {
    for (int64_t& offset : model.memory_plan->offsets)
      if (offset > 0) offset = 0;
  });
  expect_error(bytes, Code::kInvalidModel, "overlap");
}

TEST_F(BadModelTest, MissingFile) {
  auto model = Model::load("/nonexistent/model.sprig");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), Code::kIo);
  EXPECT_NE(std::strstr(model.status().message(), "/nonexistent/model.sprig"), nullptr);
}

TEST_F(BadModelTest, EveryTruncationIsRejectedCleanly) {
  for (size_t size = 0; size < good_.size(); size += 7) {
    std::vector<uint8_t> bytes(good_.begin(), good_.begin() + static_cast<long>(size));
    EXPECT_FALSE(load_bytes_status(bytes).ok()) << size;
  }
}

// Inputs the model-loader fuzz target once crashed on: each must now be refused cleanly (the
// sanitizer build of this test turns any undefined behaviour back into a failure).
TEST_F(BadModelTest, FuzzRegressionsAreRefused) {
  const std::string dir = source_dir() + "/tests/fuzz/regressions/model_load";
  DIR* listing = opendir(dir.c_str());
  ASSERT_NE(listing, nullptr) << dir;
  int count = 0;
  while (dirent* entry = readdir(listing)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream in(dir + "/" + entry->d_name, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Status status = load_bytes_status(bytes);
    EXPECT_FALSE(status.ok()) << entry->d_name;
    ++count;
  }
  closedir(listing);
  EXPECT_GT(count, 0);
}

TEST_F(BadModelTest, CallerArenaTooSmall) {
  LoadedModel loaded = load_bytes(good_);
  ASSERT_TRUE(loaded.model);
  alignas(64) static uint8_t arena[64];
  Backend* backends[] = {nullptr};
  SessionOptions options;
  options.backends = backends;
  options.num_backends = 1;
  options.arena = arena;
  options.arena_bytes = sizeof(arena);
  auto session = Session::create(*loaded.model, options);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), Code::kInvalidArgument);
  EXPECT_NE(std::strstr(session.status().message(), "the model needs"), nullptr);
}

}  // namespace
}  // namespace sprig::test
