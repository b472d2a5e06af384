// The converted tokenizers against their references, line by line:
//   SentencePiece BPE (models/text/tiny_llama), read from tokenizer.model and from tokenizer.json,
//   against the sentencepiece library's ids and decoded text on 10,000 lines (the fixture
//   fixtures/text/expected_sentencepiece.jsonl, written by sentencepiece at test time);
//   byte-level BPE (models/text/byte_bpe) against hand-checked vectors and an independent Python
//   encoder's ids, with every line decoding back to itself.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "converter/import/tokenizer/tokenizer_import.h"
#include "runtime/llm/tokenizer.h"
#include "tests/common/test_util.h"

namespace sprig {
namespace {

using nlohmann::json;

struct Packed {
  flatbuffers::FlatBufferBuilder fbb;
  std::unique_ptr<llm::Tokenizer> tokenizer;
};

std::unique_ptr<Packed> pack(const fb::TokenizerT& table) {
  auto packed = std::make_unique<Packed>();
  packed->fbb.Finish(fb::Tokenizer::Pack(packed->fbb, &table));
  auto tokenizer = llm::Tokenizer::create(*flatbuffers::GetRoot<fb::Tokenizer>(packed->fbb.GetBufferPointer()));
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.status().message();
  if (tokenizer.ok()) packed->tokenizer = std::move(*tokenizer);
  return packed;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file.good()) << "cannot read " << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> rows;
  for (const std::string& line : read_lines(path)) rows.push_back(json::parse(line));
  return rows;
}

std::vector<int32_t> encode(const llm::Tokenizer& tokenizer, const std::string& text, bool parse_special) {
  llm::EncodeOptions options;
  options.add_bos = false;
  options.parse_special = parse_special;
  std::vector<int32_t> ids;
  const Status status = tokenizer.encode(text, options, &ids);
  EXPECT_TRUE(status.ok()) << status.message();
  return ids;
}

// Every line's ids and decoded text; reports the first few differences.
void expect_matches(const llm::Tokenizer& tokenizer, const std::vector<std::string>& lines,
                    const std::vector<json>& expected, bool compare_decoded) {
  ASSERT_LE(expected.size(), lines.size());
  size_t id_mismatches = 0, text_mismatches = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const std::vector<int32_t> want = expected[i]["ids"].get<std::vector<int32_t>>();
    const std::vector<int32_t> got = encode(tokenizer, lines[i], false);
    if (got != want && ++id_mismatches <= 3) ADD_FAILURE() << "line " << i + 1 << " '" << lines[i] << "': ids differ";
    const std::string decoded = tokenizer.decode(want.data(), want.size());
    const std::string want_text = compare_decoded ? expected[i]["decoded"].get<std::string>() : lines[i];
    if (decoded != want_text && ++text_mismatches <= 3) {
      ADD_FAILURE() << "line " << i + 1 << ": decodes to '" << decoded << "', want '" << want_text << "'";
    }
  }
  EXPECT_EQ(id_mismatches, 0u) << "of " << expected.size() << " lines";
  EXPECT_EQ(text_mismatches, 0u) << "of " << expected.size() << " lines";
}

class SentencePieceReference : public ::testing::Test {
 protected:
  void SetUp() override {
    lines_ = read_lines(test::source_dir() + "/models/text/corpus/tokenizer_test.txt");
    expected_ = read_jsonl(test::fixtures_dir() + "/text/expected_sentencepiece.jsonl");
    ASSERT_EQ(expected_.size(), 10000u);
  }
  std::string dir_ = test::source_dir() + "/models/text/tiny_llama";
  std::vector<std::string> lines_;
  std::vector<json> expected_;
};

TEST_F(SentencePieceReference, TokenizerModelMatchesTheLibraryOn10000Lines) {
  auto packed = pack(convert::read_sentencepiece_model(dir_ + "/tokenizer.model"));
  ASSERT_TRUE(packed->tokenizer);
  expect_matches(*packed->tokenizer, lines_, expected_, true);
}

TEST_F(SentencePieceReference, TokenizerJsonMatchesTheLibraryOn10000Lines) {
  auto packed = pack(convert::read_tokenizer_json(dir_ + "/tokenizer.json"));
  ASSERT_TRUE(packed->tokenizer);
  expect_matches(*packed->tokenizer, lines_, expected_, true);
}

TEST(ByteLevelReference, HandCheckedVectors) {
  const std::string dir = test::source_dir() + "/models/text/byte_bpe";
  auto packed = pack(convert::read_tokenizer_json(dir + "/tokenizer.json"));
  ASSERT_TRUE(packed->tokenizer);
  std::ifstream file(dir + "/byte_bpe_vectors.json");
  const json vectors = json::parse(file)["vectors"];
  ASSERT_GE(vectors.size(), 10u);
  for (const json& v : vectors) {
    const std::string text = v["text"].get<std::string>();
    const std::vector<int32_t> want = v["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(encode(*packed->tokenizer, text, true), want) << "'" << text << "'";
    EXPECT_EQ(packed->tokenizer->decode(want.data(), want.size(), true), text) << "'" << text << "'";
  }
}

TEST(ByteLevelReference, MatchesThePythonEncoderAndRoundTrips) {
  const std::string dir = test::source_dir() + "/models/text/byte_bpe";
  auto packed = pack(convert::read_tokenizer_json(dir + "/tokenizer.json"));
  ASSERT_TRUE(packed->tokenizer);
  const std::vector<json> expected = read_jsonl(dir + "/expected_byte_bpe.jsonl");
  ASSERT_GE(expected.size(), 1000u);
  expect_matches(*packed->tokenizer, read_lines(test::source_dir() + "/models/text/corpus/tokenizer_test.txt"),
                 expected, false);
}

}  // namespace
}  // namespace sprig
