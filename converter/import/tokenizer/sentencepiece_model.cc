// tokenizer.model: SentencePiece's ModelProto (sentencepiece_model.proto), read from the protobuf
// wire format directly so the converter core needs no protobuf runtime on any target. Only the
// fields below are read; others are skipped.
//   ModelProto:      1 pieces (SentencePiece), 2 trainer_spec, 3 normalizer_spec
//   SentencePiece:   1 piece, 2 score (float), 3 type (1 normal, 2 unknown, 3 control,
//                    4 user defined, 5 unused, 6 byte)
//   TrainerSpec:     3 model_type (1 unigram, 2 bpe, 3 word, 4 char), 24 treat_whitespace_as_suffix,
//                    35 byte_fallback, 40 unk_id, 41 bos_id, 42 eos_id
//   NormalizerSpec:  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix, 4 remove_extra_whitespaces,
//                    5 escape_whitespaces
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "converter/import/tokenizer/tokenizer_import.h"
#include "converter/import/tokenizer/vocabulary.h"
#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

class WireReader {
 public:
  WireReader(const std::string& data, std::string context)
      : p_(data.data()), end_(data.data() + data.size()), context_(std::move(context)) {}
  WireReader(const char* begin, const char* end, std::string context)
      : p_(begin), end_(end), context_(std::move(context)) {}

  bool done() const { return p_ >= end_; }

  // The next field's number and wire type.
  std::pair<uint32_t, uint32_t> tag() {
    const uint64_t key = varint();
    return {static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7)};
  }
  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) broken("a varint runs past the end");
      const auto byte = static_cast<uint8_t>(*p_++);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return value;
    }
    broken("a varint is longer than 10 bytes");
  }
  float fixed32_float() {
    if (end_ - p_ < 4) broken("a float runs past the end");
    uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= static_cast<uint32_t>(static_cast<uint8_t>(p_[i])) << (8 * i);
    p_ += 4;
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
  }
  // A length-delimited field's bytes.
  std::pair<const char*, const char*> bytes() {
    const uint64_t length = varint();
    if (length > static_cast<uint64_t>(end_ - p_)) broken("a field runs past the end");
    const char* begin = p_;
    p_ += length;
    return {begin, p_};
  }
  std::string string() {
    const auto [begin, end] = bytes();
    return std::string(begin, end);
  }
  void skip(uint32_t wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: advance(8); break;
      case 2: bytes(); break;
      case 5: advance(4); break;
      default: broken("unknown wire type " + std::to_string(wire_type));
    }
  }
  [[noreturn]] void broken(const std::string& why) const {
    fail(Code::kInvalidModel, context_ + ": not a SentencePiece model (" + why + ")");
  }

 private:
  void advance(int64_t n) {
    if (end_ - p_ < n) broken("a field runs past the end");
    p_ += n;
  }

  const char* p_;
  const char* end_;
  std::string context_;
};

struct Piece {
  std::string text;
  float score = 0;
  int type = 1;
};

struct TrainerSpec {
  int model_type = 1;
  bool whitespace_as_suffix = false;
  bool byte_fallback = false;
  int64_t unk_id = 0, bos_id = 1, eos_id = 2;
};

struct NormalizerSpec {
  std::string name;
  bool has_charsmap = false;
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  bool escape_whitespaces = true;
};

Piece read_piece(WireReader r) {
  Piece piece;
  while (!r.done()) {
    const auto [field, wire] = r.tag();
    if (field == 1 && wire == 2) piece.text = r.string();
    else if (field == 2 && wire == 5) piece.score = r.fixed32_float();
    else if (field == 3 && wire == 0) piece.type = static_cast<int>(r.varint());
    else r.skip(wire);
  }
  return piece;
}

TrainerSpec read_trainer_spec(WireReader r) {
  TrainerSpec spec;
  while (!r.done()) {
    const auto [field, wire] = r.tag();
    if (wire != 0) {
      r.skip(wire);
      continue;
    }
    const uint64_t value = r.varint();
    const auto as_int = static_cast<int64_t>(static_cast<int32_t>(value));
    switch (field) {
      case 3: spec.model_type = static_cast<int>(value); break;
      case 24: spec.whitespace_as_suffix = value != 0; break;
      case 35: spec.byte_fallback = value != 0; break;
      case 40: spec.unk_id = as_int; break;
      case 41: spec.bos_id = as_int; break;
      case 42: spec.eos_id = as_int; break;
      default: break;
    }
  }
  return spec;
}

NormalizerSpec read_normalizer_spec(WireReader r) {
  NormalizerSpec spec;
  while (!r.done()) {
    const auto [field, wire] = r.tag();
    if (field == 1 && wire == 2) spec.name = r.string();
    else if (field == 2 && wire == 2) {
      const auto [begin, end] = r.bytes();
      spec.has_charsmap = end > begin;
    }
    else if (field == 3 && wire == 0) spec.add_dummy_prefix = r.varint() != 0;
    else if (field == 4 && wire == 0) spec.remove_extra_whitespaces = r.varint() != 0;
    else if (field == 5 && wire == 0) spec.escape_whitespaces = r.varint() != 0;
    else r.skip(wire);
  }
  return spec;
}

// SentencePiece's "▁" (U+2581) is the space it escapes whitespace to.
std::string unescape_spaces(const std::string& piece) {
  static const std::string kSpace = "\xE2\x96\x81";
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    if (piece.compare(i, kSpace.size(), kSpace) == 0) {
      out.push_back(' ');
      i += kSpace.size();
    } else {
      out.push_back(piece[i++]);
    }
  }
  return out;
}

}  // namespace

fb::TokenizerT read_sentencepiece_model(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(Code::kIo, "cannot open " + path);
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string data = buffer.str();

  std::vector<Piece> pieces;
  TrainerSpec trainer;
  NormalizerSpec normalizer;
  WireReader model(data, path);
  while (!model.done()) {
    const auto [field, wire] = model.tag();
    if (wire != 2 || field < 1 || field > 3) {
      model.skip(wire);
      continue;
    }
    const auto [begin, end] = model.bytes();
    WireReader sub(begin, end, path);
    if (field == 1) pieces.push_back(read_piece(sub));
    else if (field == 2) trainer = read_trainer_spec(sub);
    else normalizer = read_normalizer_spec(sub);
  }
  if (pieces.empty()) model.broken("no pieces");
  if (trainer.model_type != 2) {
    const char* names[] = {"?", "unigram", "bpe", "word", "char"};
    const int t = trainer.model_type;
    fail(Code::kUnsupported, path + ": SentencePiece model type " +
                                 std::string(t >= 1 && t <= 4 ? names[t] : "?") +
                                 " is not supported (BPE only)");
  }
  if (trainer.whitespace_as_suffix) {
    fail(Code::kUnsupported, path + ": treat_whitespace_as_suffix is not supported");
  }
  if (normalizer.has_charsmap || (!normalizer.name.empty() && normalizer.name != "identity")) {
    fail(Code::kUnsupported, path + ": normalizer '" + normalizer.name +
                                 "' is not supported (identity only)");
  }
  if (!normalizer.escape_whitespaces) {
    fail(Code::kUnsupported, path + ": escape_whitespaces false is not supported");
  }

  Vocabulary vocabulary(path);
  for (size_t id = 0; id < pieces.size(); ++id) {
    const Piece& piece = pieces[id];
    fb::TokenKind kind = fb::TokenKind::Normal;
    std::string bytes = unescape_spaces(piece.text);
    switch (piece.type) {
      case 1: break;
      case 2: kind = fb::TokenKind::Unknown; break;
      case 3: kind = fb::TokenKind::Control; break;
      case 4: kind = fb::TokenKind::UserDefined; break;
      case 5: kind = fb::TokenKind::Unused; break;
      case 6: {
        const int value = byte_piece_value(piece.text);
        if (value < 0) fail(Code::kInvalidModel, path + ": byte piece '" + piece.text + "' is not <0xNN>");
        kind = fb::TokenKind::Byte;
        bytes.assign(1, static_cast<char>(value));
        break;
      }
      default:
        fail(Code::kInvalidModel, path + ": piece " + std::to_string(id) + " has unknown type " +
                                      std::to_string(piece.type));
    }
    vocabulary.set(static_cast<int64_t>(id), std::move(bytes), kind);
  }

  // SentencePiece's BPE joins, at each step, the adjacent pair whose joined piece scores highest.
  // As ranked merges: every split of a Normal piece into two Normal pieces, ranked by the joined
  // piece's score (higher first), then by its id.
  struct Candidate {
    float score;
    int32_t result, left, right;
  };
  std::vector<Candidate> candidates;
  for (int32_t id = 0; id < vocabulary.size(); ++id) {
    if (vocabulary.kind(id) != fb::TokenKind::Normal) continue;
    const std::string& text = vocabulary.bytes(id);
    for (size_t cut = utf8_length(static_cast<unsigned char>(text[0])); cut < text.size();
         cut += utf8_length(static_cast<unsigned char>(text[cut]))) {
      const int32_t left = vocabulary.find_normal(text.substr(0, cut));
      const int32_t right = vocabulary.find_normal(text.substr(cut));
      if (left >= 0 && right >= 0) candidates.push_back({pieces[static_cast<size_t>(id)].score, id, left, right});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.score != b.score ? a.score > b.score : a.result < b.result;
  });
  for (const Candidate& c : candidates) vocabulary.add_merge(c.left, c.right);

  fb::TokenizerT tokenizer;
  vocabulary.finish(&tokenizer);
  tokenizer.model = fb::TokenizerModel::SentencePieceBpe;
  tokenizer.dummy_prefix = normalizer.add_dummy_prefix ? fb::DummyPrefix::Every : fb::DummyPrefix::None;
  tokenizer.remove_extra_whitespaces = normalizer.remove_extra_whitespaces;
  tokenizer.byte_fallback = trainer.byte_fallback;
  const auto id_or_none = [&](int64_t id) {
    return id >= 0 && id < vocabulary.size() ? static_cast<int32_t>(id) : -1;
  };
  tokenizer.unk_id = id_or_none(trainer.unk_id);
  tokenizer.bos_id = id_or_none(trainer.bos_id);
  if (id_or_none(trainer.eos_id) >= 0) tokenizer.eos_ids = {id_or_none(trainer.eos_id)};
  tokenizer.add_bos = tokenizer.bos_id >= 0;
  return tokenizer;
}

}  // namespace sprig::convert
