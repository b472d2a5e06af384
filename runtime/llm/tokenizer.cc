#include "runtime/llm/tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <queue>

#include "runtime/llm/utf8.h"

namespace sprig::llm {
namespace {

constexpr size_t kMaxTokenBytes = 1024;

uint64_t pair_key(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

pcre2_code* as_pattern(void* p) { return static_cast<pcre2_code*>(p); }

template <typename T>
size_t length_of(const flatbuffers::Vector<T>* v) {
  return v ? v->size() : 0;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> Tokenizer::create(const fb::Tokenizer& table) {
  std::unique_ptr<Tokenizer> tokenizer(new Tokenizer());
  SPRIG_RETURN_IF_ERROR(tokenizer->build(table));
  return tokenizer;
}

Tokenizer::~Tokenizer() { pcre2_code_free(as_pattern(pattern_)); }

Status Tokenizer::build(const fb::Tokenizer& table) {
  model_ = table.model();
  if (model_ != fb::TokenizerModel::SentencePieceBpe && model_ != fb::TokenizerModel::ByteLevelBpe) {
    return Status::error(Code::kInvalidModel, "tokenizer: unknown model %d", static_cast<int>(model_));
  }
  const size_t vocab = length_of(table.token_kinds());
  if (vocab == 0) return Status(Code::kInvalidModel, "tokenizer: no tokens");
  if (length_of(table.token_offsets()) != vocab + 1) {
    return Status::error(Code::kInvalidModel, "tokenizer: %zu token offsets for %zu tokens (want %zu)",
                         length_of(table.token_offsets()), vocab, vocab + 1);
  }
  if (vocab > (1u << 30)) return Status(Code::kInvalidModel, "tokenizer: vocabulary too large");
  const size_t total = length_of(table.token_bytes());
  if (total > 0) bytes_.assign(table.token_bytes()->begin(), table.token_bytes()->end());
  offsets_.assign(table.token_offsets()->begin(), table.token_offsets()->end());
  kinds_.resize(vocab);
  byte_ids_.fill(-1);
  if (offsets_[0] != 0) return Status(Code::kInvalidModel, "tokenizer: token_offsets[0] is not 0");
  for (size_t i = 0; i < vocab; ++i) {
    const auto kind = static_cast<fb::TokenKind>(table.token_kinds()->Get(i));
    if (kind < fb::TokenKind::MIN || kind > fb::TokenKind::MAX) {
      return Status::error(Code::kInvalidModel, "tokenizer: token %zu has unknown kind %d", i,
                           static_cast<int>(kind));
    }
    kinds_[i] = kind;
    if (offsets_[i + 1] < offsets_[i] || offsets_[i + 1] > total) {
      return Status::error(Code::kInvalidModel, "tokenizer: token %zu's bytes [%u, %u) fall outside "
                           "the %zu token bytes", i, offsets_[i], offsets_[i + 1], total);
    }
    const std::string_view text = token_bytes(static_cast<int>(i));
    if (text.size() > kMaxTokenBytes) {
      return Status::error(Code::kInvalidModel, "tokenizer: token %zu is %zu bytes long (at most %zu)",
                           i, text.size(), kMaxTokenBytes);
    }
    max_token_bytes_ = std::max(max_token_bytes_, text.size());
    const auto id = static_cast<int32_t>(i);
    switch (kind) {
      case fb::TokenKind::Normal:
        if (text.empty()) return Status::error(Code::kInvalidModel, "tokenizer: token %zu is empty", i);
        normal_ids_.emplace(text, id);  // the first of duplicates wins, as in the source vocabulary
        break;
      case fb::TokenKind::Byte:
        if (text.size() != 1) {
          return Status::error(Code::kInvalidModel, "tokenizer: byte token %zu holds %zu bytes", i,
                               text.size());
        }
        byte_ids_[static_cast<uint8_t>(text[0])] = id;
        break;
      case fb::TokenKind::Control:
      case fb::TokenKind::UserDefined:
        if (!text.empty()) specials_.push_back({text, id, kind == fb::TokenKind::Control});
        break;
      default:
        break;
    }
  }
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const Special& a, const Special& b) { return a.text.size() > b.text.size(); });

  const size_t merges = length_of(table.merge_left());
  if (length_of(table.merge_right()) != merges || length_of(table.merge_result()) != merges) {
    return Status(Code::kInvalidModel, "tokenizer: merge_left, merge_right and merge_result differ in length");
  }
  merges_.reserve(merges);
  for (size_t r = 0; r < merges; ++r) {
    const int32_t left = table.merge_left()->Get(r), right = table.merge_right()->Get(r),
                  result = table.merge_result()->Get(r);
    for (int32_t id : {left, right, result}) {
      if (id < 0 || static_cast<size_t>(id) >= vocab) {
        return Status::error(Code::kInvalidModel, "tokenizer: merge %zu names token %d of %zu", r, id,
                             vocab);
      }
    }
    const std::string_view a = token_bytes(left), b = token_bytes(right), c = token_bytes(result);
    if (c.size() != a.size() + b.size() || c.substr(0, a.size()) != a || c.substr(a.size()) != b) {
      return Status::error(Code::kInvalidModel, "tokenizer: merge %zu: token %d is not tokens %d + %d",
                           r, result, left, right);
    }
    merges_.emplace(pair_key(left, right), Merge{static_cast<int32_t>(r), result});
  }

  dummy_prefix_ = table.dummy_prefix();
  remove_extra_whitespaces_ = table.remove_extra_whitespaces();
  byte_fallback_ = table.byte_fallback();
  ignore_merges_ = table.ignore_merges();
  normalize_nfc_ = table.normalize_nfc();
  const auto check_id = [vocab](int32_t id, const char* what) {
    if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= vocab)) {
      return Status::error(Code::kInvalidModel, "tokenizer: %s %d outside the %zu tokens", what, id, vocab);
    }
    return Status();
  };
  unk_id_ = table.unk_id();
  bos_id_ = table.bos_id();
  SPRIG_RETURN_IF_ERROR(check_id(unk_id_, "unk_id"));
  SPRIG_RETURN_IF_ERROR(check_id(bos_id_, "bos_id"));
  add_bos_ = table.add_bos();
  if (table.eos_ids()) {
    for (int32_t id : *table.eos_ids()) {
      if (id < 0) return Status::error(Code::kInvalidModel, "tokenizer: eos id %d", id);
      SPRIG_RETURN_IF_ERROR(check_id(id, "eos id"));
      eos_ids_.push_back(id);
    }
  }
  if (table.chat_template()) chat_template_ = table.chat_template()->str();

  if (model_ == fb::TokenizerModel::ByteLevelBpe) {
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      if (normal_ids_.find(std::string_view(&c, 1)) == normal_ids_.end()) {
        return Status::error(Code::kInvalidModel, "tokenizer: byte-level vocabulary lacks byte 0x%02X", b);
      }
    }
    if (table.pretokenizer_pattern() && table.pretokenizer_pattern()->size() > 0) {
      int error = 0;
      PCRE2_SIZE error_offset = 0;
      pattern_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(table.pretokenizer_pattern()->c_str()),
                               table.pretokenizer_pattern()->size(), PCRE2_UTF | PCRE2_UCP, &error,
                               &error_offset, nullptr);
      if (!pattern_) {
        PCRE2_UCHAR message[128];
        pcre2_get_error_message(error, message, sizeof(message));
        return Status::error(Code::kInvalidModel, "tokenizer: pre-tokenizer pattern, at %zu: %s",
                             static_cast<size_t>(error_offset), reinterpret_cast<char*>(message));
      }
    }
  }
  return Status();
}

std::string_view Tokenizer::token_bytes(int id) const {
  return std::string_view(reinterpret_cast<const char*>(bytes_.data()) + offsets_[id],
                          offsets_[id + 1] - offsets_[id]);
}

bool Tokenizer::is_eos(int id) const {
  return std::find(eos_ids_.begin(), eos_ids_.end(), id) != eos_ids_.end();
}

int Tokenizer::special_token_id(std::string_view text) const {
  for (const Special& s : specials_) {
    if (s.text == text) return s.id;
  }
  return -1;
}

Tokenizer::Special Tokenizer::match_special(std::string_view text, size_t pos, bool parse_control) const {
  for (const Special& s : specials_) {
    if (s.control && !parse_control) continue;
    if (text.compare(pos, s.text.size(), s.text) == 0) return s;
  }
  return Special{{}, -1, false};
}

Status Tokenizer::encode(std::string_view text, const EncodeOptions& options,
                         std::vector<int32_t>* ids) const {
  if (!is_valid_utf8(text)) return Status(Code::kInvalidArgument, "encode: the text is not valid UTF-8");
  std::string normalized;
  if (normalize_nfc_) {
    utf8proc_uint8_t* nfc = nullptr;
    const utf8proc_ssize_t length =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                     static_cast<utf8proc_ssize_t>(text.size()), &nfc,
                     static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (length < 0) return Status::error(Code::kInvalidArgument, "encode: NFC: %s", utf8proc_errmsg(length));
    normalized.assign(reinterpret_cast<const char*>(nfc), static_cast<size_t>(length));
    std::free(nfc);
    text = normalized;
  }
  if (options.add_bos && adds_bos()) ids->push_back(bos_id_);
  size_t segment_start = 0, pos = 0;
  while (pos < text.size()) {
    const Special special = specials_.empty() ? Special{{}, -1, false}
                                              : match_special(text, pos, options.parse_special);
    if (special.id < 0) {
      ++pos;
      continue;
    }
    if (pos > segment_start) {
      SPRIG_RETURN_IF_ERROR(encode_pretokenized(text.substr(segment_start, pos - segment_start),
                                                segment_start == 0, ids));
    }
    ids->push_back(special.id);
    pos += special.text.size();
    segment_start = pos;
  }
  if (pos > segment_start) {
    SPRIG_RETURN_IF_ERROR(encode_pretokenized(text.substr(segment_start, pos - segment_start),
                                              segment_start == 0, ids));
  }
  return Status();
}

Status Tokenizer::encode_pretokenized(std::string_view segment, bool starts_input,
                                      std::vector<int32_t>* ids) const {
  if (model_ == fb::TokenizerModel::SentencePieceBpe || !pattern_) {
    encode_segment(segment, starts_input, ids);
    return Status();
  }
  pcre2_match_data* match = pcre2_match_data_create_from_pattern(as_pattern(pattern_), nullptr);
  if (!match) return Status(Code::kOutOfMemory, "encode: no memory for the pre-tokenizer match");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(segment.data());
  size_t pos = 0;
  Status status;
  while (pos < segment.size()) {
    const int rc = pcre2_match(as_pattern(pattern_), subject, segment.size(), pos, PCRE2_NO_UTF_CHECK,
                               match, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) {
      encode_segment(segment.substr(pos), false, ids);
      break;
    }
    if (rc < 0) {
      status = Status::error(Code::kInvalidArgument, "encode: pre-tokenizer match failed (%d)", rc);
      break;
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    size_t begin = ovector[0], end = ovector[1];
    if (begin > pos) encode_segment(segment.substr(pos, begin - pos), false, ids);
    if (end == begin) {  // an empty match: step over one character
      const int length = utf8_char_length(subject + begin, segment.size() - begin);
      end = begin + static_cast<size_t>(length > 0 ? length : 1);
    }
    encode_segment(segment.substr(begin, end - begin), false, ids);
    pos = end;
  }
  pcre2_match_data_free(match);
  return status;
}

void Tokenizer::encode_segment(std::string_view segment, bool starts_input,
                               std::vector<int32_t>* ids) const {
  if (model_ == fb::TokenizerModel::ByteLevelBpe) {
    if (ignore_merges_) {
      const auto it = normal_ids_.find(segment);
      if (it != normal_ids_.end()) {
        ids->push_back(it->second);
        return;
      }
    }
    encode_word(segment, ids);
    return;
  }
  std::string text;
  if (remove_extra_whitespaces_) {
    for (char c : segment) {
      if (c == ' ' && (text.empty() || text.back() == ' ')) continue;
      text.push_back(c);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
  } else {
    text.assign(segment);
  }
  // SentencePiece escapes spaces to U+2581, so one in the input is a space too.
  static constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";
  for (size_t at = text.find(kEscapedSpace); at != std::string::npos; at = text.find(kEscapedSpace, at + 1)) {
    text.replace(at, kEscapedSpace.size(), " ");
  }
  if (text.empty()) return;
  const bool prefix = dummy_prefix_ == fb::DummyPrefix::Every ||
                      (dummy_prefix_ == fb::DummyPrefix::First && starts_input);
  if (prefix) text.insert(text.begin(), ' ');
  encode_word(text, ids);
}

const Tokenizer::Merge* Tokenizer::find_merge(int32_t left, int32_t right) const {
  const auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void Tokenizer::encode_word(std::string_view word, std::vector<int32_t>* ids) const {
  struct Symbol {
    int32_t id;
    int32_t prev, next;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  const auto* s = reinterpret_cast<const uint8_t*>(word.data());
  const auto add = [&symbols](int32_t id) {
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, index + 1});
  };
  for (size_t i = 0; i < word.size();) {
    const int length = model_ == fb::TokenizerModel::ByteLevelBpe
                           ? 1
                           : std::max(1, utf8_char_length(s + i, word.size() - i));
    const auto it = normal_ids_.find(word.substr(i, static_cast<size_t>(length)));
    if (it != normal_ids_.end()) {
      add(it->second);
    } else if (byte_fallback_) {
      for (int b = 0; b < length; ++b) add(byte_ids_[s[i + b]] >= 0 ? byte_ids_[s[i + b]] : unk_id_);
    } else {
      add(unk_id_);
    }
    i += static_cast<size_t>(length);
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  struct Candidate {
    int32_t rank;
    int32_t left;  // symbol index; symbols keep their left-to-right order
    int32_t left_id, right_id;
    bool operator<(const Candidate& o) const {  // priority_queue pops the largest
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  std::priority_queue<Candidate> queue;
  const auto consider = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = symbols[left].next;
    if (right < 0) return;
    if (symbols[left].id < 0 || symbols[right].id < 0) return;
    if (const Merge* m = find_merge(symbols[left].id, symbols[right].id)) {
      queue.push({m->rank, left, symbols[left].id, symbols[right].id});
    }
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) consider(i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = symbols[c.left];
    if (left.id != c.left_id || left.next < 0 || symbols[left.next].id != c.right_id) continue;
    Symbol& right = symbols[left.next];
    left.id = find_merge(c.left_id, c.right_id)->result;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = c.left;
    right.id = -2;  // removed
    consider(left.prev);
    consider(c.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) {
    if (symbols[i].id >= 0) ids->push_back(symbols[i].id);
  }
}

std::string Tokenizer::decode(const int32_t* ids, size_t count, bool show_control) const {
  TextStreamDecoder decoder(*this, show_control);
  std::string text;
  for (size_t i = 0; i < count; ++i) text.append(decoder.push(ids[i]));
  text.append(decoder.finish());
  return text;
}

TextStreamDecoder::TextStreamDecoder(const Tokenizer& tokenizer, bool show_control)
    : tokenizer_(tokenizer),
      show_control_(show_control),
      pending_(std::max<size_t>(tokenizer.max_token_bytes(), 8) + 4),
      out_(3 * pending_.size()) {}

void TextStreamDecoder::reset(bool at_text_start) {
  pending_size_ = 0;
  at_start_ = at_text_start;
}

std::string_view TextStreamDecoder::push(int32_t id) {
  if (id < 0 || id >= tokenizer_.vocab_size()) return emit(false);
  const fb::TokenKind kind = tokenizer_.token_kind(id);
  if ((kind == fb::TokenKind::Control && !show_control_) || kind == fb::TokenKind::Unused) return emit(false);
  std::string_view text = tokenizer_.token_bytes(id);
  if (kind == fb::TokenKind::Unknown) text = " \xE2\x81\x87 ";  // SentencePiece's surface of <unk>
  if (at_start_ && !text.empty()) {
    if (tokenizer_.strips_leading_space() && text[0] == ' ') text.remove_prefix(1);
    at_start_ = false;
  }
  std::copy(text.begin(), text.end(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_size_));
  pending_size_ += text.size();
  return emit(false);
}

std::string_view TextStreamDecoder::finish() {
  std::string_view text = emit(true);
  at_start_ = true;
  return text;
}

std::string_view TextStreamDecoder::emit(bool final) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  const auto* s = reinterpret_cast<const uint8_t*>(pending_.data());
  size_t in = 0, out = 0;
  while (in < pending_size_) {
    const int length = utf8_char_length(s + in, pending_size_ - in);
    if (length < 0 && !final) break;  // unfinished character: wait for its next byte
    if (length <= 0) {
      std::copy(kReplacement, kReplacement + 3, out_.begin() + static_cast<std::ptrdiff_t>(out));
      out += 3;
      in += 1;
      continue;
    }
    std::copy(pending_.begin() + static_cast<std::ptrdiff_t>(in),
              pending_.begin() + static_cast<std::ptrdiff_t>(in + static_cast<size_t>(length)),
              out_.begin() + static_cast<std::ptrdiff_t>(out));
    in += static_cast<size_t>(length);
    out += static_cast<size_t>(length);
  }
  std::copy(pending_.begin() + static_cast<std::ptrdiff_t>(in),
            pending_.begin() + static_cast<std::ptrdiff_t>(pending_size_), pending_.begin());
  pending_size_ -= in;
  return std::string_view(out_.data(), out);
}

}  // namespace sprig::llm
