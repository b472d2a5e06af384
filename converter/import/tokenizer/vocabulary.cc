#include "converter/import/tokenizer/vocabulary.h"

#include <cstdio>

#include "converter/ir/error.h"

namespace sprig::convert {

int byte_piece_value(const std::string& piece) {
  unsigned value = 0;
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>' ||
      std::sscanf(piece.c_str() + 3, "%2X", &value) != 1)
    return -1;
  return static_cast<int>(value);
}

void Vocabulary::set(int64_t id, std::string bytes, fb::TokenKind kind) {
  if (id < 0 || id >= (int64_t{1} << 30)) {
    fail(Code::kInvalidModel, source_ + ": token id " + std::to_string(id) + " out of range");
  }
  const auto index = static_cast<size_t>(id);
  if (index >= kinds_.size()) {
    bytes_.resize(index + 1);
    kinds_.resize(index + 1, fb::TokenKind::Unused);
    set_.resize(index + 1, false);
  }
  if (set_[index]) fail(Code::kInvalidModel, source_ + ": token id " + std::to_string(id) + " given twice");
  if (kind == fb::TokenKind::Normal) {
    if (bytes.empty()) fail(Code::kInvalidModel, source_ + ": token " + std::to_string(id) + " is empty");
    normal_ids_.emplace(bytes, static_cast<int32_t>(id));
  }
  bytes_[index] = std::move(bytes);
  kinds_[index] = kind;
  set_[index] = true;
}

int32_t Vocabulary::find_normal(const std::string& bytes) const {
  const auto it = normal_ids_.find(bytes);
  return it == normal_ids_.end() ? -1 : it->second;
}

void Vocabulary::add_merge(int32_t left, int32_t right) {
  const int32_t result = find_normal(bytes(left) + bytes(right));
  if (result < 0) {
    fail(Code::kInvalidModel, source_ + ": merge of tokens " + std::to_string(left) + " and " +
                                  std::to_string(right) + " makes no token of the vocabulary");
  }
  merge_left_.push_back(left);
  merge_right_.push_back(right);
  merge_result_.push_back(result);
}

void Vocabulary::finish(fb::TokenizerT* out) {
  for (size_t i = 0; i < set_.size(); ++i) {
    if (!set_[i]) fail(Code::kInvalidModel, source_ + ": no token has id " + std::to_string(i));
  }
  out->token_offsets.assign(1, 0);
  out->token_bytes.clear();
  for (const std::string& b : bytes_) {
    out->token_bytes.insert(out->token_bytes.end(), b.begin(), b.end());
    out->token_offsets.push_back(static_cast<uint32_t>(out->token_bytes.size()));
  }
  out->token_kinds = kinds_;
  out->merge_left = std::move(merge_left_);
  out->merge_right = std::move(merge_right_);
  out->merge_result = std::move(merge_result_);
}

}  // namespace sprig::convert
