#include "converter/quantize/layer_errors.h"

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>

#include "converter/ir/error.h"
#include "runtime/capi/backend_registry.h"
#include "runtime/cli/npy.h"
#include "runtime/core/model.h"
#include "runtime/core/session.h"

namespace sprig::convert {
namespace {

struct Loaded {
  std::unique_ptr<Model> model;
  std::unique_ptr<Session> session;
};

Loaded load(const std::vector<uint8_t>& bytes, const char* what) {
  Loaded loaded;
  Result<std::unique_ptr<Model>> model = Model::load_from_memory(bytes.data(), bytes.size());
  if (!model.ok())
    fail(model.status().code(), std::string(what) + " model: " + model.status().message());
  loaded.model = std::move(model.value());
  std::vector<Backend*> backends;
  for (const char* name : {"cpu", "reference"})
    if (Backend* backend = find_backend(name)) backends.push_back(backend);
  SessionOptions options;
  options.backends = backends.data();
  options.num_backends = static_cast<int>(backends.size());
  options.num_threads = 0;
  Result<std::unique_ptr<Session>> session = Session::create(*loaded.model, options);
  if (!session.ok())
    fail(session.status().code(), std::string(what) + " model: " + session.status().message());
  loaded.session = std::move(session.value());
  return loaded;
}

void run(Loaded& loaded, const std::vector<float>& sample, const char* what,
         Session::OpCallback after_op, void* context) {
  const TensorView& input = loaded.session->input(0);
  if (input.dtype != DType::F32 || static_cast<size_t>(input.shape.numel()) != sample.size())
    fail(Code::kInvalidArgument, std::string(what) + " model: a sample has " +
                                     std::to_string(sample.size()) + " floats, its input " +
                                     std::to_string(input.shape.numel()));
  std::copy(sample.begin(), sample.end(), input.f32());
  const Status status = loaded.session->run_observed(after_op, context);
  if (!status.ok()) fail(status.code(), std::string(what) + " model: " + status.message());
}

const char* first_output_name(const Model& model, int op) {
  const fb::Op& o = model.op(op);
  if (o.outputs() == nullptr || o.outputs()->size() == 0) return nullptr;
  return model.tensor_name(o.outputs()->Get(0));
}

struct Sums {
  double aa = 0, bb = 0, ab = 0, noise = 0;
};

}  // namespace

std::vector<OutputAgreement> compare_op_outputs(const std::vector<uint8_t>& float_model,
                                                const std::vector<uint8_t>& quantized_model,
                                                const std::vector<std::vector<float>>& samples) {
  Loaded a = load(float_model, "float");
  Loaded b = load(quantized_model, "quantized");
  struct Capture {
    Loaded* loaded;
    std::map<std::string, std::vector<float>> outputs;
    std::map<std::string, Sums>* sums;
  };
  std::map<std::string, Sums> sums;
  for (const std::vector<float>& sample : samples) {
    Capture reference{&a, {}, &sums};
    run(
        a, sample, "float",
        [](void* context, int op) {
          auto* c = static_cast<Capture*>(context);
          const char* name = first_output_name(*c->loaded->model, op);
          const fb::Op& o = c->loaded->model->op(op);
          if (name == nullptr) return;
          const TensorView& t = c->loaded->session->tensor(o.outputs()->Get(0));
          if (t.dtype != DType::F32) return;
          c->outputs[name].assign(t.f32(), t.f32() + t.shape.numel());
        },
        &reference);
    Capture other{&b, std::move(reference.outputs), &sums};
    run(
        b, sample, "quantized",
        [](void* context, int op) {
          auto* c = static_cast<Capture*>(context);
          const char* name = first_output_name(*c->loaded->model, op);
          if (name == nullptr) return;
          auto it = c->outputs.find(name);
          const TensorView& t =
              c->loaded->session->tensor(c->loaded->model->op(op).outputs()->Get(0));
          if (it == c->outputs.end() || t.dtype != DType::F32 ||
              static_cast<size_t>(t.shape.numel()) != it->second.size())
            return;
          Sums& s = (*c->sums)[name];
          for (size_t i = 0; i < it->second.size(); ++i) {
            const double x = it->second[i], y = t.f32()[i];
            s.aa += x * x;
            s.bb += y * y;
            s.ab += x * y;
            s.noise += (x - y) * (x - y);
          }
        },
        &other);
  }
  std::vector<OutputAgreement> result;
  for (int op = 0; op < a.model->num_ops(); ++op) {
    const char* name = first_output_name(*a.model, op);
    if (name == nullptr || !sums.count(name)) continue;
    const Sums& s = sums[name];
    OutputAgreement agreement;
    const auto* op_name = a.model->op(op).name();
    agreement.op = op_name != nullptr ? op_name->str() : "";
    agreement.tensor = name;
    agreement.cosine = s.aa > 0 && s.bb > 0 ? s.ab / std::sqrt(s.aa * s.bb) : 1.0;
    agreement.snr_db =
        s.noise > 0 ? 10.0 * std::log10(s.aa / s.noise) : std::numeric_limits<double>::infinity();
    result.push_back(agreement);
  }
  return result;
}

std::vector<std::vector<float>> load_samples(const std::string& path, size_t input_elements,
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
  if (!cli::read_npy(path, &array, &error) || !cli::npy_to_f32(array, &values, &error))
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
