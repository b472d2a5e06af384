// tokenizer.json (Hugging Face tokenizers): the BPE model, its normalizer / pre-tokenizer pair and
// the added tokens.
#include <fstream>
#include <nlohmann/json.hpp>

#include "converter/import/tokenizer/tokenizer_import.h"
#include "converter/import/tokenizer/vocabulary.h"
#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

const char kMetaspace[] = "\xE2\x96\x81";  // U+2581, SentencePiece's escaped space
// GPT-2's split, which ByteLevel{use_regex: true} applies.
const char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

[[noreturn]] void unsupported(const std::string& path, const std::string& what) {
  fail(Code::kUnsupported, path + ": " + what + " is not supported");
}

std::string type_of(const json& node) {
  return node.is_object() && node.contains("type") && node["type"].is_string() ? node["type"].get<std::string>()
                                                                               : std::string();
}

// The steps of a Sequence (or the node itself), skipping nulls.
std::vector<json> steps(const json& node, const char* list_field) {
  if (node.is_null()) return {};
  if (type_of(node) == "Sequence") {
    std::vector<json> out;
    if (node.contains(list_field) && node[list_field].is_array()) {
      for (const json& step : node[list_field]) out.push_back(step);
    }
    return out;
  }
  return {node};
}

// GPT-2's bytes_to_unicode, inverted: the code point each byte is written as -> the byte.
std::map<uint32_t, uint8_t> byte_level_alphabet() {
  std::map<uint32_t, uint8_t> map;
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map[printable ? b : next++] = static_cast<uint8_t>(b);
  }
  return map;
}

std::string byte_level_bytes(const std::string& piece, const std::map<uint32_t, uint8_t>& alphabet,
                             const std::string& path) {
  std::string out;
  for (size_t i = 0; i < piece.size();) {
    const auto lead = static_cast<unsigned char>(piece[i]);
    const size_t length = utf8_length(lead);
    uint32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (size_t k = 1; k < length && i + k < piece.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(piece[i + k]) & 0x3F);
    }
    const auto it = alphabet.find(cp);
    if (it == alphabet.end()) {
      fail(Code::kInvalidModel, path + ": byte-level token '" + piece + "' has a character outside the byte alphabet");
    }
    out.push_back(static_cast<char>(it->second));
    i += length;
  }
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

struct Layout {
  fb::TokenizerModel model = fb::TokenizerModel::SentencePieceBpe;
  fb::DummyPrefix prefix = fb::DummyPrefix::None;
  std::string pattern;
  bool nfc = false;
};

// Recognizes the normalizer / pre-tokenizer pairs the runtime reproduces.
Layout read_layout(const json& root, const std::string& path) {
  Layout layout;
  bool space_to_metaspace = false, byte_level = false;
  for (const json& step : steps(root.value("normalizer", json()), "normalizers")) {
    const std::string type = type_of(step);
    if (type == "Prepend" && step.value("prepend", "") == kMetaspace) {
      layout.prefix = fb::DummyPrefix::Every;
    } else if (type == "Replace" && step.contains("pattern") && step["pattern"].value("String", "") == " " &&
               step.value("content", "") == kMetaspace) {
      space_to_metaspace = true;
    } else if (type == "NFC") {
      layout.nfc = true;
    } else {
      unsupported(path, "normalizer " + (type.empty() ? step.dump() : type));
    }
  }
  for (const json& step : steps(root.value("pre_tokenizer", json()), "pretokenizers")) {
    const std::string type = type_of(step);
    if (type == "Metaspace") {
      if (step.value("replacement", kMetaspace) != kMetaspace) unsupported(path, "Metaspace replacement");
      if (step.value("split", false)) unsupported(path, "Metaspace with split true");
      const std::string scheme = step.value("prepend_scheme", step.value("add_prefix_space", true) ? "always" : "never");
      layout.prefix = scheme == "first" ? fb::DummyPrefix::First
                      : scheme == "always" ? fb::DummyPrefix::Every
                                           : fb::DummyPrefix::None;
      space_to_metaspace = true;
    } else if (type == "Split") {
      if (!step.contains("pattern") || !step["pattern"].contains("Regex")) unsupported(path, "Split without a Regex");
      if (step.value("behavior", "") != "Isolated" || step.value("invert", false)) {
        unsupported(path, "Split behavior other than Isolated");
      }
      if (!layout.pattern.empty()) unsupported(path, "two Split pre-tokenizers");
      layout.pattern = step["pattern"]["Regex"].get<std::string>();
    } else if (type == "ByteLevel") {
      if (step.value("add_prefix_space", false)) unsupported(path, "ByteLevel add_prefix_space");
      if (step.value("use_regex", true)) {
        if (!layout.pattern.empty()) unsupported(path, "Split followed by ByteLevel with use_regex");
        layout.pattern = kGpt2Pattern;
      }
      byte_level = true;
    } else {
      unsupported(path, "pre-tokenizer " + (type.empty() ? step.dump() : type));
    }
  }
  if (byte_level) {
    if (space_to_metaspace || layout.prefix != fb::DummyPrefix::None) {
      unsupported(path, "a byte-level pre-tokenizer with a SentencePiece-style normalizer");
    }
    layout.model = fb::TokenizerModel::ByteLevelBpe;
  } else {
    if (!layout.pattern.empty()) unsupported(path, "a Split pre-tokenizer without ByteLevel");
    if (!space_to_metaspace) unsupported(path, "a BPE model that neither escapes spaces to \u2581 nor is byte-level");
  }
  return layout;
}

std::pair<std::string, std::string> merge_parts(const json& merge, const std::string& path) {
  if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
    return {merge[0].get<std::string>(), merge[1].get<std::string>()};
  }
  if (merge.is_string()) {
    const std::string text = merge.get<std::string>();
    const size_t space = text.find(' ', 1);
    if (space != std::string::npos) return {text.substr(0, space), text.substr(space + 1)};
  }
  fail(Code::kInvalidModel, path + ": merge " + merge.dump() + " is not two tokens");
}

}  // namespace

fb::TokenizerT read_tokenizer_json(const std::string& path) {
  std::ifstream file(path);
  if (!file) fail(Code::kIo, "cannot open " + path);
  json root;
  try {
    root = json::parse(file);
  } catch (const json::exception& e) {
    fail(Code::kInvalidModel, path + ": not JSON (" + e.what() + ")");
  }
  if (!root.contains("model") || !root["model"].is_object()) fail(Code::kInvalidModel, path + ": no model");
  const json& model = root["model"];
  const std::string model_type = model.value("type", "BPE");
  if (model_type != "BPE") unsupported(path, "tokenizer model " + model_type + " (BPE only)");
  if (!model.value("dropout", json()).is_null() && model["dropout"].get<double>() != 0.0) unsupported(path, "BPE dropout");
  for (const char* field : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(field) && model[field].is_string() && !model[field].get<std::string>().empty()) {
      unsupported(path, std::string("BPE ") + field);
    }
  }
  if (!model.contains("vocab") || !model["vocab"].is_object()) fail(Code::kInvalidModel, path + ": model.vocab missing");

  const Layout layout = read_layout(root, path);
  const bool byte_fallback = model.value("byte_fallback", false);
  const std::string unk = model.value("unk_token", json()).is_string() ? model["unk_token"].get<std::string>() : "";
  const auto alphabet = byte_level_alphabet();

  // Added tokens first: they decide the kind of a token also listed in the vocabulary.
  std::map<int64_t, std::pair<std::string, fb::TokenKind>> added;
  for (const json& token : root.value("added_tokens", json::array())) {
    const int64_t id = token.at("id").get<int64_t>();
    const std::string content = token.at("content").get<std::string>();
    for (const char* flag : {"lstrip", "rstrip", "single_word"}) {
      if (token.value(flag, false)) unsupported(path, std::string("added token '") + content + "' with " + flag);
    }
    const fb::TokenKind kind = content == unk ? fb::TokenKind::Unknown
                               : token.value("special", false) ? fb::TokenKind::Control
                                                              : fb::TokenKind::UserDefined;
    added[id] = {content, kind};
  }

  Vocabulary vocabulary(path);
  std::map<std::string, int32_t> piece_ids;
  for (const auto& [piece, id_json] : model["vocab"].items()) {
    const int64_t id = id_json.get<int64_t>();
    piece_ids[piece] = static_cast<int32_t>(id);
    if (added.count(id)) continue;
    if (piece == unk) {
      vocabulary.set(id, piece, fb::TokenKind::Unknown);
    } else if (layout.model == fb::TokenizerModel::ByteLevelBpe) {
      vocabulary.set(id, byte_level_bytes(piece, alphabet, path), fb::TokenKind::Normal);
    } else if (byte_fallback && byte_piece_value(piece) >= 0) {
      vocabulary.set(id, std::string(1, static_cast<char>(byte_piece_value(piece))), fb::TokenKind::Byte);
    } else {
      vocabulary.set(id, replace_all(piece, kMetaspace, " "), fb::TokenKind::Normal);
    }
  }
  for (const auto& [id, token] : added) vocabulary.set(id, token.first, token.second);

  for (const json& merge : model.value("merges", json::array())) {
    const auto [left, right] = merge_parts(merge, path);
    const auto l = piece_ids.find(left), r = piece_ids.find(right);
    if (l == piece_ids.end() || r == piece_ids.end()) {
      fail(Code::kInvalidModel, path + ": merge '" + left + " " + right + "' names a token not in the vocabulary");
    }
    vocabulary.add_merge(l->second, r->second);
  }

  fb::TokenizerT tokenizer;
  vocabulary.finish(&tokenizer);
  tokenizer.model = layout.model;
  tokenizer.dummy_prefix = layout.prefix;
  tokenizer.pretokenizer_pattern = layout.pattern;
  tokenizer.normalize_nfc = layout.nfc;
  tokenizer.byte_fallback = byte_fallback;
  tokenizer.ignore_merges = model.value("ignore_merges", false);
  tokenizer.unk_id = unk.empty() || !piece_ids.count(unk) ? -1 : piece_ids[unk];

  // A post-processor that starts every sequence with a special token adds BOS.
  for (const json& step : steps(root.value("post_processor", json()), "processors")) {
    if (type_of(step) != "TemplateProcessing" || !step.contains("single") || step["single"].empty()) continue;
    const json& first = step["single"][0];
    if (first.contains("SpecialToken")) {
      const std::string bos = first["SpecialToken"].value("id", "");
      for (const auto& [id, token] : added) {
        if (token.first == bos) {
          tokenizer.bos_id = static_cast<int32_t>(id);
          tokenizer.add_bos = true;
        }
      }
    }
  }
  return tokenizer;
}

}  // namespace sprig::convert
