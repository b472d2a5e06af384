#include "converter/import/tokenizer/tokenizer_import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json read_optional_json(const fs::path& path) {
  if (!fs::exists(path)) return json::object();
  std::ifstream file(path);
  try {
    json root = json::parse(file);
    if (!root.is_object()) fail(Code::kInvalidModel, path.string() + ": not a JSON object");
    return root;
  } catch (const json::exception& e) {
    fail(Code::kInvalidModel, path.string() + ": not JSON (" + e.what() + ")");
  }
}

// A token named in tokenizer_config.json: a string or {"content": string}.
std::string token_text(const json& node) {
  if (node.is_string()) return node.get<std::string>();
  if (node.is_object() && node.contains("content") && node["content"].is_string()) {
    return node["content"].get<std::string>();
  }
  return "";
}

int32_t find_token(const fb::TokenizerT& t, const std::string& text) {
  if (text.empty()) return -1;
  for (size_t id = 0; id + 1 < t.token_offsets.size(); ++id) {
    const uint32_t begin = t.token_offsets[id], end = t.token_offsets[id + 1];
    if (end - begin == text.size() && std::equal(text.begin(), text.end(), t.token_bytes.begin() + begin) &&
        t.token_kinds[id] != fb::TokenKind::Normal && t.token_kinds[id] != fb::TokenKind::Byte) {
      return static_cast<int32_t>(id);
    }
  }
  return -1;
}

void add_eos(fb::TokenizerT* t, int64_t id) {
  const auto vocab = static_cast<int64_t>(t->token_kinds.size());
  if (id < 0 || id >= vocab) return;
  if (std::find(t->eos_ids.begin(), t->eos_ids.end(), id) == t->eos_ids.end()) {
    t->eos_ids.push_back(static_cast<int32_t>(id));
  }
}

void add_eos_field(fb::TokenizerT* t, const json& node) {
  if (node.is_number_integer()) add_eos(t, node.get<int64_t>());
  if (node.is_array()) {
    for (const json& id : node) {
      if (id.is_number_integer()) add_eos(t, id.get<int64_t>());
    }
  }
}

std::string chat_template_of(const json& config, const fs::path& path) {
  if (!config.contains("chat_template")) return "";
  const json& node = config["chat_template"];
  if (node.is_string()) return node.get<std::string>();
  if (node.is_array()) {  // named templates: the one called "default"
    for (const json& entry : node) {
      if (entry.value("name", "") == "default" && entry.contains("template")) return entry["template"].get<std::string>();
    }
  }
  if (node.is_null()) return "";
  fail(Code::kInvalidModel, path.string() + ": chat_template is neither a string nor named templates");
}

}  // namespace

std::shared_ptr<const fb::TokenizerT> import_tokenizer(const std::string& dir, const HfConfig& config) {
  const fs::path root(dir);
  auto tokenizer = std::make_shared<fb::TokenizerT>();
  if (fs::exists(root / "tokenizer.json")) {
    *tokenizer = read_tokenizer_json((root / "tokenizer.json").string());
  } else if (fs::exists(root / "tokenizer.model")) {
    *tokenizer = read_sentencepiece_model((root / "tokenizer.model").string());
  } else {
    return nullptr;
  }
  const auto vocab = static_cast<int64_t>(tokenizer->token_kinds.size());
  if (config.vocab_size > 0 && vocab > config.vocab_size) {
    fail(Code::kInvalidModel, dir + ": the tokenizer has " + std::to_string(vocab) +
                                  " tokens, more than config.json's vocab_size " + std::to_string(config.vocab_size));
  }

  const fs::path config_path = root / "tokenizer_config.json";
  const json tokenizer_config = read_optional_json(config_path);
  const json generation_config = read_optional_json(root / "generation_config.json");
  tokenizer->chat_template = chat_template_of(tokenizer_config, config_path);

  const int32_t named_bos = find_token(*tokenizer, token_text(tokenizer_config.value("bos_token", json())));
  if (named_bos >= 0) tokenizer->bos_id = named_bos;
  if (tokenizer->bos_id < 0 && config.bos_token_id >= 0 && config.bos_token_id < vocab) {
    tokenizer->bos_id = static_cast<int32_t>(config.bos_token_id);
  }
  if (tokenizer_config.contains("add_bos_token") && tokenizer_config["add_bos_token"].is_boolean()) {
    tokenizer->add_bos = tokenizer_config["add_bos_token"].get<bool>();
  }
  if (tokenizer->bos_id < 0) tokenizer->add_bos = false;

  add_eos(tokenizer.get(), find_token(*tokenizer, token_text(tokenizer_config.value("eos_token", json()))));
  for (int64_t id : config.eos_token_ids) add_eos(tokenizer.get(), id);
  add_eos_field(tokenizer.get(), generation_config.value("eos_token_id", json()));
  return tokenizer;
}

}  // namespace sprig::convert
