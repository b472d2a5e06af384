// Reading Hugging Face config.json fields: each helper throws ConvertError kInvalidModel naming
// the field ("config.json: hidden_size must be a positive integer") when it is malformed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace sprig::convert {

// DIR/config.json parsed; kIo when missing, kInvalidModel when not a JSON object.
nlohmann::json read_config_json(const std::string& dir);
// The JSON object in the file at `path`. Throws ConvertError (kIo, kInvalidModel).
nlohmann::json read_json_object(const std::string& path);
// architectures[0], the model class.
std::string architecture_of(const nlohmann::json& config);

[[noreturn]] void bad_field(const std::string& field, const std::string& why);
int64_t positive_int(const nlohmann::json& config, const char* field);
int64_t positive_int_or(const nlohmann::json& config, const char* field, int64_t fallback);
double number_or(const nlohmann::json& config, const char* field, double fallback);
bool bool_or(const nlohmann::json& config, const char* field, bool fallback);
std::string string_or(const nlohmann::json& config, const char* field, const std::string& fallback);
// The number of labels of a classifier: id2label's size, else num_labels, else `fallback`.
int64_t label_count(const nlohmann::json& config, int64_t fallback);

}  // namespace sprig::convert
