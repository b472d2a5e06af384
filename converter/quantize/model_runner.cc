#include "converter/quantize/model_runner.h"

#include <algorithm>
#include <string>

#include "converter/ir/error.h"
#include "runtime/capi/backend_registry.h"

namespace sprig::convert {

LoadedModel load_model(const std::vector<uint8_t>& bytes, const char* what) {
  LoadedModel loaded;
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

void run_model(LoadedModel& loaded, const std::vector<float>& sample, const char* what,
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

}  // namespace sprig::convert
