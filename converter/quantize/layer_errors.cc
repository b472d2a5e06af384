#include "converter/quantize/layer_errors.h"

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>

#include "converter/ir/error.h"
#include "runtime/cli/npy.h"
#include "runtime/cli/npz.h"
#include "converter/quantize/model_runner.h"
#include "runtime/core/model.h"
#include "runtime/core/quantization.h"
#include "runtime/ops/op_check.h"
#include "runtime/core/session.h"

namespace sprig::convert {
namespace {

const char* first_output_name(const Model& model, int op) {
  const fb::Op& o = model.op(op);
  if (o.outputs() == nullptr || o.outputs()->size() == 0) return nullptr;
  return model.tensor_name(o.outputs()->Get(0));
}

// Ops are matched between the two models by name and type, the n-th such op of one with the n-th
// of the other (passes may give several ops one source node's name; quantizing adds ops of other
// types only). keys[op] for every op of `model`.
std::vector<std::string> op_keys(const Model& model) {
  std::map<std::string, int> seen;
  std::vector<std::string> keys;
  for (int op = 0; op < model.num_ops(); ++op) {
    const auto* name = model.op(op).name();
    std::string key = std::string(name != nullptr ? name->c_str() : "") + "|" +
                      op_type_name(model.op(op).type());
    keys.push_back(key + "|" + std::to_string(seen[key]++));
  }
  return keys;
}

// The op's first output as floats: F32 as it is, I8 dequantized. False for other dtypes.
bool output_values(const LoadedModel& loaded, int op, std::vector<float>* values) {
  const fb::Op& o = loaded.model->op(op);
  if (o.outputs() == nullptr || o.outputs()->size() == 0) return false;
  const TensorView& t = loaded.session->tensor(o.outputs()->Get(0));
  values->resize(static_cast<size_t>(t.shape.numel()));
  if (t.dtype == DType::F32) {
    std::copy(t.f32(), t.f32() + values->size(), values->begin());
    return true;
  }
  return t.dtype == DType::I8 && t.quantization != nullptr &&
         dequantize_to_f32(t, values->data()).ok();
}

struct Sums {
  double aa = 0, bb = 0, ab = 0, noise = 0;
};

}  // namespace

std::vector<OutputAgreement> compare_op_outputs(const std::vector<uint8_t>& float_model,
                                                const std::vector<uint8_t>& quantized_model,
                                                const std::vector<std::vector<float>>& samples) {
  LoadedModel a = load_model(float_model, "float");
  LoadedModel b = load_model(quantized_model, "quantized");
  struct Capture {
    LoadedModel* loaded;
    std::vector<std::string> keys;
    std::map<std::string, std::vector<float>> outputs;
    std::map<std::string, Sums>* sums;
    std::vector<float> values;
  };
  std::map<std::string, Sums> sums;
  for (const std::vector<float>& sample : samples) {
    Capture reference{&a, op_keys(*a.model), {}, &sums, {}};
    run_model(
        a, sample, "float",
        [](void* context, int op) {
          auto* c = static_cast<Capture*>(context);
          if (output_values(*c->loaded, op, &c->values))
            c->outputs[c->keys[static_cast<size_t>(op)]] = c->values;
        },
        &reference);
    Capture other{&b, op_keys(*b.model), std::move(reference.outputs), &sums, {}};
    run_model(
        b, sample, "quantized",
        [](void* context, int op) {
          auto* c = static_cast<Capture*>(context);
          const std::string& key = c->keys[static_cast<size_t>(op)];
          auto it = c->outputs.find(key);
          if (it == c->outputs.end() || !output_values(*c->loaded, op, &c->values) ||
              c->values.size() != it->second.size())
            return;
          Sums& s = (*c->sums)[key];
          for (size_t i = 0; i < it->second.size(); ++i) {
            const double x = it->second[i], y = c->values[i];
            s.aa += x * x;
            s.bb += y * y;
            s.ab += x * y;
            s.noise += (x - y) * (x - y);
          }
        },
        &other);
  }
  std::vector<OutputAgreement> result;
  const std::vector<std::string> keys = op_keys(*a.model);
  for (int op = 0; op < a.model->num_ops(); ++op) {
    const std::string& key = keys[static_cast<size_t>(op)];
    if (!sums.count(key)) continue;
    const Sums& s = sums[key];
    OutputAgreement agreement;
    const auto* op_name = a.model->op(op).name();
    agreement.op = op_name != nullptr ? op_name->str() : "";
    agreement.op_type = op_type_name(a.model->op(op).type());
    agreement.tensor = first_output_name(*a.model, op);
    agreement.cosine = s.aa > 0 && s.bb > 0 ? s.ab / std::sqrt(s.aa * s.bb) : 1.0;
    agreement.snr_db =
        s.noise > 0 ? 10.0 * std::log10(s.aa / s.noise) : std::numeric_limits<double>::infinity();
    result.push_back(agreement);
  }
  return result;
}

std::vector<std::vector<float>> load_samples(const std::string& path,
                                             const std::string& input_name, size_t input_elements,
                                             int count) {
  std::vector<std::vector<float>> samples;
  if (path.empty()) {
    std::mt19937 rng(20261121);
    std::normal_distribution<float> dist;
    for (int s = 0; s < count; ++s) {
      std::vector<float> sample(input_elements);
      for (float& v : sample) v = dist(rng);
      samples.push_back(std::move(sample));
    }
    return samples;
  }
  cli::NpyArray array;
  std::string error;
  std::vector<float> values;
  if (cli::is_npz_path(path)) {
    std::vector<cli::NamedNpyArray> arrays;
    if (!cli::read_npz(path, &arrays, &error))
      fail(Code::kInvalidArgument, "calibration data: " + error);
    const cli::NpyArray* found = cli::find_npz_array(arrays, {input_name});
    if (found == nullptr)
      fail(Code::kInvalidArgument, "calibration data '" + path + "' holds " +
                                       cli::npz_member_names(arrays) + ": name one '" +
                                       input_name + "' (the model's input) or keep one array");
    array = *found;
  } else if (!cli::read_npy(path, &array, &error)) {
    fail(Code::kInvalidArgument, "calibration data '" + path + "': " + error);
  }
  if (!cli::npy_to_f32(array, &values, &error))
    fail(Code::kInvalidArgument, "calibration data '" + path + "': " + error);
  if (input_elements == 0 || values.empty() || values.size() % input_elements != 0)
    fail(Code::kInvalidArgument,
         "calibration data '" + path + "' holds " + std::to_string(values.size()) +
             " values, not a whole number of inputs of " + std::to_string(input_elements));
  for (size_t start = 0; start < values.size(); start += input_elements)
    samples.emplace_back(values.begin() + static_cast<ptrdiff_t>(start),
                         values.begin() + static_cast<ptrdiff_t>(start + input_elements));
  return samples;
}

}  // namespace sprig::convert
