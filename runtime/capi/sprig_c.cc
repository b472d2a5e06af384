#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/capi/backend_registry.h"
#include "runtime/capi/handles.h"

namespace sprig::capi {
namespace {
thread_local char g_last_error[sprig::Status::kMaxMessage + 32];
}  // namespace

sprig_status report(const sprig::Status& status) {
  if (!status.ok())
    std::snprintf(g_last_error, sizeof(g_last_error), "%s: %s", sprig::code_name(status.code()),
                  status.message());
  return static_cast<sprig_status>(status.code());
}

sprig_status invalid_argument(const char* message) {
  return report(sprig::Status(sprig::Code::kInvalidArgument, message));
}

}  // namespace sprig::capi

namespace {

using sprig::capi::invalid_argument;
using sprig::capi::report;

void fill_info(const sprig::Model& model, int tensor, const sprig::TensorView& view,
               sprig_tensor_info* info) {
  info->name = model.tensor_name(tensor);
  info->dtype = static_cast<sprig_dtype>(view.dtype);
  info->rank = view.shape.rank;
  for (int d = 0; d < SPRIG_MAX_RANK; ++d) info->dims[d] = d < view.shape.rank ? view.shape[d] : 0;
  info->bytes = view.bytes();
  info->data = view.data;
  info->max_dim0 = view.shape.rank > 0 ? model.tensor(tensor).shape[0] : 0;
  info->dynamic_dim0 = view.dim0_symbol != 0 ? 1 : 0;
}

}  // namespace

extern "C" {

const char* sprig_last_error(void) { return sprig::capi::g_last_error; }

const char* sprig_status_name(sprig_status status) {
  return sprig::code_name(static_cast<sprig::Code>(status));
}

sprig_status sprig_model_load(const char* path, sprig_model** out_model) {
  if (out_model == nullptr) return invalid_argument("out_model is null");
  *out_model = nullptr;
  auto loaded = sprig::Model::load(path);
  if (!loaded.ok()) return report(loaded.status());
  auto* handle = new (std::nothrow) sprig_model{std::move(loaded.value())};
  if (handle == nullptr) return report(sprig::Status(sprig::Code::kOutOfMemory, "out of memory"));
  *out_model = handle;
  return SPRIG_OK;
}

void sprig_model_free(sprig_model* model) { delete model; }

size_t sprig_model_arena_bytes(const sprig_model* model) {
  return model ? sprig::Session::required_arena_bytes(*model->model) : 0;
}

int32_t sprig_model_num_inputs(const sprig_model* model) {
  return model ? model->model->num_inputs() : 0;
}

int32_t sprig_model_num_outputs(const sprig_model* model) {
  return model ? model->model->num_outputs() : 0;
}

void sprig_session_options_init(sprig_session_options* options) {
  if (options != nullptr) std::memset(options, 0, sizeof(*options));
}

sprig_status sprig_session_create(const sprig_model* model, const sprig_session_options* options,
                                  sprig_session** out_session) {
  if (model == nullptr || out_session == nullptr) return invalid_argument("model or out_session is null");
  *out_session = nullptr;
  sprig_session_options defaults;
  sprig_session_options_init(&defaults);
  if (options == nullptr) options = &defaults;

  std::vector<sprig::Backend*> backends;
  if (options->backends == nullptr || options->num_backends == 0) {
    sprig::Backend* const* all = nullptr;
    const int count = sprig::registered_backends(&all);
    backends.assign(all, all + count);
  } else {
    for (int i = 0; i < options->num_backends; ++i) {
      sprig::Backend* backend = sprig::find_backend(options->backends[i]);
      if (backend == nullptr)
        return report(sprig::Status::error(sprig::Code::kUnsupported,
                                           "backend '%s' is not compiled into this build",
                                           options->backends[i] ? options->backends[i] : "(null)"));
      backends.push_back(backend);
    }
  }
  sprig::SessionOptions session_options;
  session_options.backends = backends.data();
  session_options.num_backends = static_cast<int>(backends.size());
  session_options.arena = options->arena;
  session_options.arena_bytes = options->arena_bytes;
  session_options.num_threads = options->num_threads;
  auto created = sprig::Session::create(*model->model, session_options);
  if (!created.ok()) return report(created.status());
  auto* handle = new (std::nothrow) sprig_session{std::move(created.value())};
  if (handle == nullptr) return report(sprig::Status(sprig::Code::kOutOfMemory, "out of memory"));
  *out_session = handle;
  return SPRIG_OK;
}

void sprig_session_free(sprig_session* session) { delete session; }

sprig_status sprig_session_input_info(const sprig_session* session, int32_t index,
                                      sprig_tensor_info* out_info) {
  if (session == nullptr || out_info == nullptr) return invalid_argument("session or out_info is null");
  const sprig::Session& s = *session->session;
  if (index < 0 || index >= s.num_inputs())
    return report(sprig::Status::error(sprig::Code::kInvalidArgument,
                                       "input index %d out of range (model has %d inputs)", index,
                                       s.num_inputs()));
  fill_info(s.model(), s.model().input_tensor(index), s.input(index), out_info);
  return SPRIG_OK;
}

sprig_status sprig_session_output_info(const sprig_session* session, int32_t index,
                                       sprig_tensor_info* out_info) {
  if (session == nullptr || out_info == nullptr) return invalid_argument("session or out_info is null");
  const sprig::Session& s = *session->session;
  if (index < 0 || index >= s.num_outputs())
    return report(sprig::Status::error(sprig::Code::kInvalidArgument,
                                       "output index %d out of range (model has %d outputs)", index,
                                       s.num_outputs()));
  fill_info(s.model(), s.model().output_tensor(index), s.output(index), out_info);
  return SPRIG_OK;
}

sprig_status sprig_session_set_input(sprig_session* session, int32_t index, const void* data,
                                     size_t bytes) {
  sprig_tensor_info info;
  const sprig_status status = sprig_session_input_info(session, index, &info);
  if (status != SPRIG_OK) return status;
  if (data == nullptr) return invalid_argument("input data is null");
  if (bytes != info.bytes)
    return report(sprig::Status::error(sprig::Code::kInvalidArgument,
                                       "input %d '%s' takes %zu bytes, got %zu", index, info.name,
                                       info.bytes, bytes));
  std::memcpy(info.data, data, bytes);
  return SPRIG_OK;
}

sprig_status sprig_session_set_rows(sprig_session* session, int32_t index, int64_t rows) {
  if (session == nullptr) return invalid_argument("session is null");
  return report(session->session->set_rows(index, rows));
}

sprig_status sprig_session_run(sprig_session* session) {
  if (session == nullptr) return invalid_argument("session is null");
  return report(session->session->run());
}

sprig_status sprig_session_get_output(const sprig_session* session, int32_t index, void* data,
                                      size_t bytes) {
  sprig_tensor_info info;
  const sprig_status status = sprig_session_output_info(session, index, &info);
  if (status != SPRIG_OK) return status;
  if (data == nullptr) return invalid_argument("output buffer is null");
  if (bytes != info.bytes)
    return report(sprig::Status::error(sprig::Code::kInvalidArgument,
                                       "output %d '%s' has %zu bytes, buffer has %zu", index,
                                       info.name, info.bytes, bytes));
  std::memcpy(data, info.data, bytes);
  return SPRIG_OK;
}

}  // extern "C"
