// The text tokenizer embedded in a .sprig file (sprig.fbs, table Tokenizer): byte-pair encoding
// over Unicode characters with byte fallback (SentencePiece BPE: Llama 2, TinyLlama, Mistral) or
// over bytes after a regex pre-split (byte-level BPE: GPT-2, Llama 3, Qwen2).
//
// A Tokenizer is immutable after create() and may be shared by threads. encode() allocates (it
// builds the result vector); decoding a generated token (TextStreamDecoder) does not.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/core/status.h"
#include "runtime/schema/sprig_generated.h"

namespace sprig::llm {

struct EncodeOptions {
  // Start with the tokenizer's BOS token when it asks for one (Tokenizer::adds_bos()).
  bool add_bos = true;
  // Match Control tokens' text in the input ("<|eot_id|>" becomes that token); off, such text is
  // encoded as ordinary characters, as SentencePiece does. UserDefined tokens always match.
  bool parse_special = false;
};

class Tokenizer {
 public:
  // Checks the table (sizes agree, offsets grow inside token_bytes, merge indices in range and
  // each merge's bytes are its parts' bytes, the pattern compiles) and builds the lookup maps.
  // kInvalidModel names what is wrong.
  static Result<std::unique_ptr<Tokenizer>> create(const fb::Tokenizer& table);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Appends the tokens of `text` (UTF-8) to `ids`. kInvalidArgument when text is not valid UTF-8.
  Status encode(std::string_view text, const EncodeOptions& options, std::vector<int32_t>* ids) const;

  // The whole text of `ids`, as TextStreamDecoder gives it.
  std::string decode(const int32_t* ids, size_t count, bool show_control = false) const;

  int vocab_size() const { return static_cast<int>(kinds_.size()); }
  std::string_view token_bytes(int id) const;
  fb::TokenKind token_kind(int id) const { return kinds_[id]; }
  int bos_id() const { return bos_id_; }
  bool adds_bos() const { return add_bos_ && bos_id_ >= 0; }
  bool is_eos(int id) const;
  const std::vector<int32_t>& eos_ids() const { return eos_ids_; }
  // The id of the Control or UserDefined token whose text is `text`, or -1.
  int special_token_id(std::string_view text) const;
  std::string_view chat_template() const { return chat_template_; }
  // Decoding drops one space at the start of the text (SentencePiece's dummy prefix).
  bool strips_leading_space() const { return dummy_prefix_ != fb::DummyPrefix::None; }
  size_t max_token_bytes() const { return max_token_bytes_; }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  struct Special {
    std::string_view text;
    int32_t id;
    bool control;
  };

  Tokenizer() = default;
  Status build(const fb::Tokenizer& table);
  // Longest special token starting at text[pos] that may match; its id and length, or id -1.
  Special match_special(std::string_view text, size_t pos, bool parse_control) const;
  void encode_segment(std::string_view segment, bool starts_input, std::vector<int32_t>* ids) const;
  // One run of text between special tokens: pre-split (byte level), prefixed, merged.
  Status encode_pretokenized(std::string_view segment, bool starts_input, std::vector<int32_t>* ids) const;
  // Byte-pair merges over `word`, split into characters (SentencePiece) or bytes (byte level).
  void encode_word(std::string_view word, std::vector<int32_t>* ids) const;
  const Merge* find_merge(int32_t left, int32_t right) const;

  fb::TokenizerModel model_ = fb::TokenizerModel::SentencePieceBpe;
  std::vector<uint8_t> bytes_;
  std::vector<uint32_t> offsets_;
  std::vector<fb::TokenKind> kinds_;
  std::unordered_map<std::string_view, int32_t> normal_ids_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::array<int32_t, 256> byte_ids_{};
  std::vector<Special> specials_;  // longest first
  void* pattern_ = nullptr;        // pcre2_code_8*
  fb::DummyPrefix dummy_prefix_ = fb::DummyPrefix::None;
  bool remove_extra_whitespaces_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  bool normalize_nfc_ = false;
  int32_t unk_id_ = -1;
  int32_t bos_id_ = -1;
  bool add_bos_ = false;
  std::vector<int32_t> eos_ids_;
  std::string chat_template_;
  size_t max_token_bytes_ = 0;
};

// Turns generated token ids into UTF-8 text as they arrive. A character split across tokens (byte
// fallback, byte-level pieces) is held back until its last byte comes; bytes that cannot form
// UTF-8 come out as U+FFFD. The space SentencePiece prepends is dropped at the start; Control
// tokens give their text only when show_control is set. push() and finish() allocate nothing:
// the returned view points into a buffer sized at construction and stays valid until the next call.
class TextStreamDecoder {
 public:
  explicit TextStreamDecoder(const Tokenizer& tokenizer, bool show_control = false);
  std::string_view push(int32_t id);
  // The bytes still held back (an unfinished character), as U+FFFD; then starts over.
  std::string_view finish();
  // Drops held bytes. at_text_start: the next token begins the text (its prefix space is dropped);
  // false when it continues text decoded elsewhere, such as a prompt.
  void reset(bool at_text_start = true);

 private:
  std::string_view emit(bool final);

  const Tokenizer& tokenizer_;
  bool show_control_;
  std::vector<char> pending_;  // capacity fixed at construction
  size_t pending_size_ = 0;
  std::vector<char> out_;
  bool at_start_ = true;
};

}  // namespace sprig::llm
