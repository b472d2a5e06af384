// The safetensors reader: values of F32, F16 and BF16 tensors read back from files written here
// byte by byte, a sharded checkpoint through its index, and every kind of broken file refused with
// a message naming the file or tensor at fault.
#include "converter/import/safetensors/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "converter/ir/error.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::string name, dtype, shape;  // shape as JSON, e.g. "[2,3]"
  std::vector<uint8_t> bytes;
};

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> b(values.size() * sizeof(T));
  std::memcpy(b.data(), values.data(), b.size());
  return b;
}

// A safetensors file: the header lists the entries packed in order (offsets may be overridden
// through `header` when not empty).
std::vector<uint8_t> file_bytes(const std::vector<Entry>& entries, std::string header = "") {
  std::vector<uint8_t> data;
  if (header.empty()) {
    header = "{\"__metadata__\":{\"format\":\"pt\"}";
    for (const Entry& e : entries) {
      header += ",\"" + e.name + "\":{\"dtype\":\"" + e.dtype + "\",\"shape\":" + e.shape +
                ",\"data_offsets\":[" + std::to_string(data.size()) + "," +
                std::to_string(data.size() + e.bytes.size()) + "]}";
      data.insert(data.end(), e.bytes.begin(), e.bytes.end());
    }
    header += "}";
  } else {
    for (const Entry& e : entries) data.insert(data.end(), e.bytes.begin(), e.bytes.end());
  }
  while (header.size() % 8) header += ' ';
  const uint64_t n = header.size();
  std::vector<uint8_t> out(8 + header.size() + data.size());
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
  return out;
}

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sprig_safetensors_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path.string();
  }
  std::string write_text(const std::string& name, const std::string& text) {
    return write(name, std::vector<uint8_t>(text.begin(), text.end()));
  }

  // Expects opening `path` (a file, or the directory when empty) to throw a message holding `want`.
  void expect_refused(const std::string& path, const std::string& want) {
    SCOPED_TRACE(want);
    try {
      SafetensorsCheckpoint checkpoint;
      if (path.empty())
        SafetensorsCheckpoint::open_dir(dir_.string());
      else
        checkpoint.add_file(path);
      ADD_FAILURE() << "no error";
    } catch (const ConvertError& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  }

  fs::path dir_;
};

const std::vector<float> kF32 = {1.5f, -2.0f, 0.25f, 3.0f, -0.5f, 8.0f};

TEST_F(SafetensorsTest, ReadsF32F16AndBf16) {
  std::vector<uint16_t> f16, bf16;
  for (float v : kF32) {
    f16.push_back(f32_to_f16(v));
    bf16.push_back(f32_to_bf16(v));
  }
  write("model.safetensors", file_bytes({{"a.weight", "F32", "[2,3]", bytes_of(kF32)},
                                         {"b", "F16", "[6]", bytes_of(f16)},
                                         {"c", "BF16", "[3,2]", bytes_of(bf16)},
                                         {"ids", "I64", "[1]", std::vector<uint8_t>(8, 0)}}));
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open_dir(dir_.string());
  EXPECT_EQ(checkpoint.tensors().size(), 4u);
  EXPECT_EQ(checkpoint.at("a.weight").shape, (std::vector<int64_t>{2, 3}));
  for (const char* name : {"a.weight", "b", "c"})
    EXPECT_EQ(checkpoint.to_f32(checkpoint.at(name)), kF32) << name;
  EXPECT_THROW(checkpoint.to_f32(checkpoint.at("ids")), ConvertError);
  EXPECT_EQ(checkpoint.find("missing"), nullptr);
  EXPECT_THROW(checkpoint.at("missing"), ConvertError);
}

TEST_F(SafetensorsTest, ReadsShardsThroughTheIndex) {
  write("model-00001-of-00002.safetensors", file_bytes({{"x", "F32", "[6]", bytes_of(kF32)}}));
  write("model-00002-of-00002.safetensors", file_bytes({{"y", "F32", "[3,2]", bytes_of(kF32)}}));
  write_text("model.safetensors.index.json",
             R"({"metadata":{"total_size":48},"weight_map":{"x":"model-00001-of-00002.safetensors",)"
             R"("y":"model-00002-of-00002.safetensors"}})");
  const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open_dir(dir_.string());
  EXPECT_EQ(checkpoint.to_f32(checkpoint.at("y")), kF32);
  EXPECT_NE(checkpoint.at("x").file.find("00001"), std::string::npos);
}

TEST_F(SafetensorsTest, RefusesBrokenFiles) {
  const Entry good{"w", "F32", "[6]", bytes_of(kF32)};
  std::vector<uint8_t> truncated = file_bytes({good});
  truncated.resize(truncated.size() - 4);
  expect_refused(write("truncated.safetensors", truncated), "outside the");
  expect_refused(write("tiny.safetensors", {1, 2, 3}), "shorter than");
  std::vector<uint8_t> long_header = file_bytes({good});
  long_header[5] = 0x7f;
  expect_refused(write("long.safetensors", long_header), "header length");
  expect_refused(write("json.safetensors", file_bytes({good}, "{\"w\": [")), "not valid JSON");
  expect_refused(write("dtype.safetensors", file_bytes({{"w", "F8", "[6]", bytes_of(kF32)}})),
                 "unknown dtype F8");
  expect_refused(write("count.safetensors", file_bytes({{"w", "F32", "[5]", bytes_of(kF32)}})),
                 "tensor 'w' has 24 bytes");
  expect_refused(write("negative.safetensors", file_bytes({{"w", "F32", "[-6]", bytes_of(kF32)}})),
                 "negative");
  expect_refused(
      write("overlap.safetensors",
            file_bytes({good, good},
                       R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
                       R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})")),
      "overlap");
  expect_refused(write("fields.safetensors", file_bytes({good}, R"({"w":{"dtype":"F32"}})")),
                 "lacks a dtype, shape or data_offsets");
  expect_refused((dir_ / "absent.safetensors").string(), "absent.safetensors");
}

TEST_F(SafetensorsTest, RefusesBrokenIndexes) {
  expect_refused("", "neither model.safetensors nor");
  write("a.safetensors", file_bytes({{"x", "F32", "[6]", bytes_of(kF32)}}));
  write_text("model.safetensors.index.json", R"({"weight_map":{"x":"b.safetensors"}})");
  expect_refused("", "b.safetensors");
  write_text("model.safetensors.index.json",
             R"({"weight_map":{"x":"a.safetensors","z":"a.safetensors"}})");
  expect_refused("", "tensor 'z'");
  write_text("model.safetensors.index.json", R"({"weight_map":{"x":"../a.safetensors"}})");
  expect_refused("", "not a plain file name");
  write("b.safetensors", file_bytes({{"x", "F32", "[6]", bytes_of(kF32)}}));
  write_text("model.safetensors.index.json",
             R"({"weight_map":{"x":"a.safetensors","y":"b.safetensors"}})");
  expect_refused("", "appears in two files");
  write_text("model.safetensors.index.json", "{oops");
  expect_refused("", "not valid JSON");
}

}  // namespace
}  // namespace sprig::convert
