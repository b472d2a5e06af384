// Builds a fb::TokenizerT's token and merge tables from a source vocabulary: tokens by id with
// their surface bytes and kind, merges by the two parts' ids.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/schema/sprig_generated.h"

namespace sprig::convert {

// The byte of a "<0xNN>" piece (SentencePiece's byte fallback tokens), or -1 for other pieces.
int byte_piece_value(const std::string& piece);

// Bytes in the UTF-8 character that starts with `lead`.
inline size_t utf8_length(unsigned char lead) { return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4; }

class Vocabulary {
 public:
  // `source` names the file in error messages.
  explicit Vocabulary(std::string source) : source_(std::move(source)) {}

  // Sets token `id` (growing the table); a token set twice is an error.
  void set(int64_t id, std::string bytes, fb::TokenKind kind);
  fb::TokenKind kind(int32_t id) const { return kinds_.at(static_cast<size_t>(id)); }
  const std::string& bytes(int32_t id) const { return bytes_.at(static_cast<size_t>(id)); }
  int32_t size() const { return static_cast<int32_t>(kinds_.size()); }
  // The Normal token with these bytes, or -1.
  int32_t find_normal(const std::string& bytes) const;

  // Appends the next-ranked merge of `left` and `right`; their concatenation must be a Normal token.
  void add_merge(int32_t left, int32_t right);

  // Moves the tables into `out`; every id below size() must have been set.
  void finish(fb::TokenizerT* out);

 private:
  std::string source_;
  std::vector<std::string> bytes_;
  std::vector<fb::TokenKind> kinds_;
  std::vector<bool> set_;
  std::unordered_map<std::string, int32_t> normal_ids_;
  std::vector<int32_t> merge_left_, merge_right_, merge_result_;
};

}  // namespace sprig::convert
