#include "converter/import/hf/hf_json.h"

#include <filesystem>
#include <fstream>

#include "converter/ir/error.h"

namespace sprig::convert {

using nlohmann::json;

json read_json_object(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(Code::kIo, "cannot read '" + path + "'");
  json object;
  try {
    object = json::parse(in);
  } catch (const json::exception& e) {
    fail(Code::kInvalidModel, "'" + path + "' is not valid JSON: " + e.what());
  }
  if (!object.is_object()) fail(Code::kInvalidModel, "'" + path + "' is not a JSON object");
  return object;
}

json read_config_json(const std::string& dir) {
  return read_json_object((std::filesystem::path(dir) / "config.json").string());
}

std::string architecture_of(const json& config) {
  if (!config.contains("architectures") || !config["architectures"].is_array() ||
      config["architectures"].empty() || !config["architectures"][0].is_string())
    bad_field("architectures", "must list the model class");
  return config["architectures"][0].get<std::string>();
}

void bad_field(const std::string& field, const std::string& why) {
  fail(Code::kInvalidModel, "config.json: " + field + " " + why);
}

int64_t positive_int(const json& config, const char* field) {
  if (!config.contains(field) || !config[field].is_number_integer() || config[field].get<int64_t>() < 1)
    bad_field(field, "must be a positive integer");
  return config[field].get<int64_t>();
}

int64_t positive_int_or(const json& config, const char* field, int64_t fallback) {
  if (!config.contains(field) || config[field].is_null()) return fallback;
  return positive_int(config, field);
}

double number_or(const json& config, const char* field, double fallback) {
  if (!config.contains(field) || config[field].is_null()) return fallback;
  if (!config[field].is_number()) bad_field(field, "must be a number");
  return config[field].get<double>();
}

bool bool_or(const json& config, const char* field, bool fallback) {
  if (!config.contains(field) || config[field].is_null()) return fallback;
  if (!config[field].is_boolean()) bad_field(field, "must be true or false");
  return config[field].get<bool>();
}

std::string string_or(const json& config, const char* field, const std::string& fallback) {
  if (!config.contains(field) || config[field].is_null()) return fallback;
  if (!config[field].is_string()) bad_field(field, "must be a string");
  return config[field].get<std::string>();
}

int64_t label_count(const json& config, int64_t fallback) {
  if (config.contains("id2label") && config["id2label"].is_object() && !config["id2label"].empty())
    return static_cast<int64_t>(config["id2label"].size());
  return positive_int_or(config, "num_labels", fallback);
}

}  // namespace sprig::convert
