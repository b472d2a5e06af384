#include "converter/adapter/peft_import.h"

#include <cmath>
#include <filesystem>
#include <map>

#include "converter/import/hf/hf_json.h"
#include "converter/import/safetensors/safetensors.h"
#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

constexpr const char* kPrefix = "base_model.model.";

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "base_model.model.M.lora_A[.default].weight" -> M, and which matrix; false for other names.
bool lora_module(const std::string& key, std::string* module, char* matrix) {
  if (key.rfind(kPrefix, 0) != 0) return false;
  std::string rest = key.substr(std::string(kPrefix).size());
  for (const char* suffix : {".default.weight", ".weight"}) {
    if (!ends_with(rest, suffix)) continue;
    rest = rest.substr(0, rest.size() - std::string(suffix).size());
    for (char m : {'A', 'B'}) {
      const std::string tail = std::string(".lora_") + m;
      if (ends_with(rest, tail)) {
        *module = rest.substr(0, rest.size() - tail.size());
        *matrix = m;
        return true;
      }
    }
    return false;
  }
  return false;
}

void refuse_if(bool condition, const std::string& what) {
  if (condition) fail(Code::kUnsupported, "adapter_config.json: " + what + " is not supported");
}

}  // namespace

bool is_peft_dir(const std::string& dir) {
  return std::filesystem::is_regular_file(std::filesystem::path(dir) / "adapter_config.json");
}

std::vector<LoraWeights> import_peft(const std::string& dir) {
  const json config = read_json_object((std::filesystem::path(dir) / "adapter_config.json").string());
  const std::string type = string_or(config, "peft_type", "LORA");
  refuse_if(type != "LORA", "peft_type '" + type + "' (LoRA adapters only)");
  refuse_if(bool_or(config, "use_dora", false), "use_dora (DoRA)");
  refuse_if(bool_or(config, "fan_in_fan_out", false), "fan_in_fan_out (Conv1D layers)");
  refuse_if(string_or(config, "bias", "none") != "none", "bias '" + string_or(config, "bias", "") + "'");
  refuse_if(config.contains("modules_to_save") && !config["modules_to_save"].is_null() &&
                !config["modules_to_save"].empty(),
            "modules_to_save");
  refuse_if(config.contains("alpha_pattern") && config["alpha_pattern"].is_object() &&
                !config["alpha_pattern"].empty(),
            "alpha_pattern");
  const double alpha = number_or(config, "lora_alpha", 8.0);
  const bool rslora = bool_or(config, "use_rslora", false);

  SafetensorsCheckpoint checkpoint;
  checkpoint.add_file((std::filesystem::path(dir) / "adapter_model.safetensors").string());
  std::map<std::string, std::pair<const SafeTensor*, const SafeTensor*>> modules;
  for (const auto& [key, tensor] : checkpoint.tensors()) {
    std::string module;
    char matrix = 0;
    if (!lora_module(key, &module, &matrix))
      fail(Code::kUnsupported, "adapter_model.safetensors: tensor '" + key +
                                   "' is not a LoRA A or B matrix (base_model.model.M.lora_A.weight)");
    (matrix == 'A' ? modules[module].first : modules[module].second) = &tensor;
  }
  if (modules.empty()) fail(Code::kInvalidModel, "adapter_model.safetensors holds no LoRA matrices");
  std::vector<LoraWeights> targets;
  for (const auto& [module, pair] : modules) {
    const SafeTensor* a = pair.first;
    const SafeTensor* b = pair.second;
    if (a == nullptr || b == nullptr)
      fail(Code::kInvalidModel, "adapter_model.safetensors: '" + module + "' has lora_" +
                                    (a ? "A" : "B") + " without lora_" + (a ? "B" : "A"));
    if (a->shape.size() != 2 || b->shape.size() != 2 || a->shape[0] != b->shape[1] || a->shape[0] < 1)
      fail(Code::kInvalidModel, "adapter_model.safetensors: '" + module +
                                    "': lora_A [r, K] and lora_B [N, r] do not agree");
    LoraWeights t;
    t.weight = module + ".weight";
    t.rank = static_cast<int>(a->shape[0]);
    t.k = a->shape[1];
    t.n = b->shape[0];
    t.alpha = static_cast<float>(alpha);
    t.scaling = static_cast<float>(rslora ? alpha / std::sqrt(static_cast<double>(t.rank)) : alpha / t.rank);
    t.a = checkpoint.to_f32(*a);
    t.b = checkpoint.to_f32(*b);
    targets.push_back(std::move(t));
  }
  return targets;
}

std::string check_adapter_fits(const Model& base, const std::vector<LoraWeights>& targets) {
  for (const LoraWeights& t : targets) {
    int index = -1;
    for (int i = 0; i < base.num_tensors() && index < 0; ++i)
      if (t.weight == base.tensor_name(i)) index = i;
    if (index < 0 || !base.is_constant(index))
      fail(Code::kInvalidArgument, "the base model has no weight '" + t.weight + "' to adapt");
    const Shape& w = base.tensor(index).shape;
    if (w.rank != 2 || w[0] != t.n || w[1] != t.k)
      fail(Code::kInvalidArgument, "'" + t.weight + "': the adapter is for [" + std::to_string(t.n) +
                                       ", " + std::to_string(t.k) + "], the base weight is not");
    bool used = false;
    for (int o = 0; o < base.num_ops() && !used; ++o)
      used = base.op(o).type() == fb::OpType::FullyConnected && base.op(o).inputs()->size() > 1 &&
             base.op(o).inputs()->Get(1) == index;
    if (!used) fail(Code::kInvalidArgument, "'" + t.weight + "' is not the weight of a FullyConnected op");
  }
  const std::string hash = base.content_hash();
  if (hash.empty()) fail(Code::kInvalidArgument, "the base model has no content hash");
  return hash;
}

}  // namespace sprig::convert
