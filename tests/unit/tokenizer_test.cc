// The runtime tokenizer on small vocabularies built here, where every expected token follows from
// the merges by hand, and on broken tables.
#include "runtime/llm/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace sprig::llm {
namespace {

using Kind = fb::TokenKind;

struct TableBuilder {
  fb::TokenizerT t;
  flatbuffers::FlatBufferBuilder fbb;

  TableBuilder() { t.token_offsets = {0}; }
  int add(const std::string& bytes, Kind kind = Kind::Normal) {
    t.token_bytes.insert(t.token_bytes.end(), bytes.begin(), bytes.end());
    t.token_offsets.push_back(static_cast<uint32_t>(t.token_bytes.size()));
    t.token_kinds.push_back(kind);
    return static_cast<int>(t.token_kinds.size()) - 1;
  }
  int id(const std::string& bytes) const {
    for (size_t i = 0; i < t.token_kinds.size(); ++i) {
      if (t.token_kinds[i] != Kind::Normal) continue;
      const std::string text(t.token_bytes.begin() + t.token_offsets[i], t.token_bytes.begin() + t.token_offsets[i + 1]);
      if (text == bytes) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no token '" << bytes << "'";
    return -1;
  }
  // Adds the merge of two existing tokens and its result token.
  int merge(const std::string& left, const std::string& right) {
    const int result = add(left + right);
    t.merge_left.push_back(id(left));
    t.merge_right.push_back(id(right));
    t.merge_result.push_back(result);
    return result;
  }
  Result<std::unique_ptr<Tokenizer>> build() {
    fbb.Clear();
    fbb.Finish(fb::Tokenizer::Pack(fbb, &t));
    return Tokenizer::create(*flatbuffers::GetRoot<fb::Tokenizer>(fbb.GetBufferPointer()));
  }
};

std::vector<int32_t> encode(const Tokenizer& tokenizer, const std::string& text, bool parse_special = false,
                            bool add_bos = true) {
  std::vector<int32_t> ids;
  EncodeOptions options;
  options.parse_special = parse_special;
  options.add_bos = add_bos;
  const Status status = tokenizer.encode(text, options, &ids);
  EXPECT_TRUE(status.ok()) << status.message();
  return ids;
}

// SentencePiece style: characters, a space prefix, byte fallback for characters outside the
// vocabulary, BOS.
class SentencePieceTokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    b.add("<unk>", Kind::Unknown);
    b.add("<s>", Kind::Control);
    b.add("</s>", Kind::Control);
    for (int v = 0; v < 256; ++v) b.add(std::string(1, static_cast<char>(v)), Kind::Byte);
    for (const char* c : {" ", "h", "e", "l", "o", "w", "r", "d"}) b.add(c);
    b.merge("h", "e");     // rank 0
    b.merge("l", "l");     // rank 1
    b.merge("ll", "o");    // rank 2
    b.merge(" ", "he");    // rank 3
    b.merge(" he", "llo"); // rank 4: " hello"
    b.merge(" ", "w");     // rank 5
    b.t.model = fb::TokenizerModel::SentencePieceBpe;
    b.t.dummy_prefix = fb::DummyPrefix::Every;
    b.t.byte_fallback = true;
    b.t.unk_id = 0;
    b.t.bos_id = 1;
    b.t.eos_ids = {2};
    b.t.add_bos = true;
  }
  TableBuilder b;
};

TEST_F(SentencePieceTokenizer, MergesByRankAfterTheSpacePrefix) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().message();
  // " hello world": h+e, l+l, ll+o, " "+he, " he"+llo, " "+w; "o r l d" stay single.
  const std::vector<int32_t> want = {1, b.id(" hello"), b.id(" w"), b.id("o"), b.id("r"), b.id("l"), b.id("d")};
  EXPECT_EQ(encode(**tokenizer, "hello world"), want);
  EXPECT_EQ((*tokenizer)->decode(want.data(), want.size()), "hello world");
  EXPECT_TRUE((*tokenizer)->is_eos(2));
  EXPECT_FALSE((*tokenizer)->is_eos(1));
}

TEST_F(SentencePieceTokenizer, LowerRankWinsOverLeftmost) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  // " hell": " "+h? no merge; h+e (rank 0) then l+l (1); " "+he (3). Then " he"+"ll" has no merge.
  const std::vector<int32_t> want = {b.id(" he"), b.id("ll")};
  EXPECT_EQ(encode(**tokenizer, "hell", false, false), want);
}

TEST_F(SentencePieceTokenizer, ByteFallbackAndStreamingUtf8) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  // "é" (C3 A9) is not in the vocabulary: its two bytes.
  const std::vector<int32_t> ids = encode(**tokenizer, "hé", false, false);
  const std::vector<int32_t> want = {b.id(" "), b.id("h"), 3 + 0xC3, 3 + 0xA9};
  EXPECT_EQ(ids, want);
  TextStreamDecoder decoder(**tokenizer);
  EXPECT_EQ(decoder.push(ids[0]), "");  // the prefix space is dropped
  EXPECT_EQ(decoder.push(ids[1]), "h");
  EXPECT_EQ(decoder.push(ids[2]), "");  // half a character: held back
  EXPECT_EQ(decoder.push(ids[3]), "\xC3\xA9");
  EXPECT_EQ(decoder.finish(), "");
}

TEST_F(SentencePieceTokenizer, BrokenBytesBecomeReplacementCharacters) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  TextStreamDecoder decoder(**tokenizer);
  EXPECT_EQ(decoder.push(b.id("h")), "h");
  EXPECT_EQ(decoder.push(3 + 0xC3), "");
  EXPECT_EQ(decoder.push(b.id("o")), "\xEF\xBF\xBDo");  // C3 then 'o': not a character
  EXPECT_EQ(decoder.push(3 + 0xE2), "");
  EXPECT_EQ(decoder.finish(), "\xEF\xBF\xBD");          // the stream ended inside a character
  EXPECT_EQ(decoder.push(1), "");                       // control tokens give no text
}

TEST_F(SentencePieceTokenizer, ControlTextIsMatchedOnlyWhenAsked) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  const std::vector<int32_t> parsed = encode(**tokenizer, "he</s>", true, false);
  EXPECT_EQ(parsed, (std::vector<int32_t>{b.id(" he"), 2}));
  const std::vector<int32_t> literal = encode(**tokenizer, "</s>", false, false);
  EXPECT_EQ(literal.size(), 5u);  // " " then "<", "/", "s", ">" as bytes
  EXPECT_EQ(literal[1], 3 + '<');
}

TEST_F(SentencePieceTokenizer, RejectsInvalidUtf8) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  std::vector<int32_t> ids;
  const Status status = (*tokenizer)->encode("a\xC3(", EncodeOptions(), &ids);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_NE(std::string(status.message()).find("UTF-8"), std::string::npos);
}

// Byte-level: bytes, split first by GPT-2's pattern.
class ByteLevelTokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int v = 0; v < 256; ++v) b.add(std::string(1, static_cast<char>(v)));
    b.merge("h", "e");       // 256
    b.merge("l", "l");       // 257
    b.merge("he", "ll");     // 258 "hell"
    b.merge(" ", "w");       // 259
    b.merge(" w", "o");      // 260
    b.merge("\xC3", "\xA9"); // 261 "é"
    hello = b.add("hello");  // reachable only whole (ignore_merges)
    eot = b.add("<|eot|>", Kind::Control);
    b.t.model = fb::TokenizerModel::ByteLevelBpe;
    b.t.pretokenizer_pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
    b.t.eos_ids = {eot};
  }
  TableBuilder b;
  int hello = 0, eot = 0;
};

TEST_F(ByteLevelTokenizer, SplitsThenMergesBytes) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().message();
  // Pieces "hello", " world", "!!", "  " (\s+(?!\S) leaves the last space to " x"), " x".
  const std::vector<int32_t> want = {258, 'o', 260, 'r', 'l', 'd', '!', '!', ' ', ' ', 'x'};
  EXPECT_EQ(encode(**tokenizer, "hello world!!  x"), want);
  EXPECT_EQ((*tokenizer)->decode(want.data(), want.size()), "hello world!!  x");
}

TEST_F(ByteLevelTokenizer, ContractionsDigitsAndMultibyteLetters) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  // "don't" -> "don", "'t"; " 42" one piece; "é" is one letter, merged from its two bytes.
  const std::vector<int32_t> want = {'d', 'o', 'n', '\'', 't', ' ', '4', '2', ' ', 261};
  EXPECT_EQ(encode(**tokenizer, "don't 42 \xC3\xA9"), want);
}

TEST_F(ByteLevelTokenizer, IgnoreMergesKeepsWholeTokens) {
  b.t.ignore_merges = true;
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  EXPECT_EQ(encode(**tokenizer, "hello"), (std::vector<int32_t>{hello}));
  EXPECT_EQ(encode(**tokenizer, "hell"), (std::vector<int32_t>{258}));
}

TEST_F(ByteLevelTokenizer, SpecialTokensSplitTheText) {
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  EXPECT_EQ(encode(**tokenizer, "he<|eot|>he", true), (std::vector<int32_t>{256, eot, 256}));
  EXPECT_EQ(encode(**tokenizer, "<|eot|>", false).size(), 7u);
  EXPECT_EQ((*tokenizer)->special_token_id("<|eot|>"), eot);
  EXPECT_TRUE((*tokenizer)->is_eos(eot));
}

TEST_F(ByteLevelTokenizer, NfcComposesBeforeSplitting) {
  b.t.normalize_nfc = true;
  auto tokenizer = b.build();
  ASSERT_TRUE(tokenizer.ok());
  // "e" + U+0301 (combining acute) is "é" in NFC.
  EXPECT_EQ(encode(**tokenizer, "e\xCC\x81"), (std::vector<int32_t>{261}));
}

TEST(TokenizerTable, BrokenTablesAreRefusedByName) {
  const auto expect_refused = [](TableBuilder& b, const char* words) {
    auto tokenizer = b.build();
    ASSERT_FALSE(tokenizer.ok());
    EXPECT_EQ(tokenizer.status().code(), Code::kInvalidModel);
    EXPECT_NE(std::string(tokenizer.status().message()).find(words), std::string::npos)
        << tokenizer.status().message();
  };
  {
    TableBuilder b;
    b.add("a");
    b.add("b");
    b.t.token_offsets.back() = 99;
    expect_refused(b, "fall outside");
  }
  {
    TableBuilder b;
    b.add("a");
    b.add("b");
    b.add("ab");
    b.t.merge_left = {1};
    b.t.merge_right = {0};
    b.t.merge_result = {2};
    expect_refused(b, "is not tokens");
  }
  {
    TableBuilder b;
    b.add("a");
    b.t.merge_left = {0};
    b.t.merge_right = {0};
    b.t.merge_result = {7};
    expect_refused(b, "names token 7");
  }
  {
    TableBuilder b;
    for (int v = 0; v < 256; ++v) b.add(std::string(1, static_cast<char>(v)));
    b.t.model = fb::TokenizerModel::ByteLevelBpe;
    b.t.pretokenizer_pattern = "(unclosed";
    expect_refused(b, "pre-tokenizer pattern");
  }
  {
    TableBuilder b;
    b.add("a");
    b.t.model = fb::TokenizerModel::ByteLevelBpe;
    expect_refused(b, "lacks byte 0x00");
  }
  {
    TableBuilder b;
    b.add("a");
    b.t.bos_id = 5;
    expect_refused(b, "bos_id 5");
  }
}

}  // namespace
}  // namespace sprig::llm
