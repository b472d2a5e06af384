// Thin C++ wrapper over the C API (sprig.h): RAII handles, no exceptions.
#ifndef SPRIG_SPRIG_HPP_
#define SPRIG_SPRIG_HPP_

#include <utility>

#include "sprig/sprig.h"

namespace sprig_api {

class Model {
 public:
  Model() = default;
  explicit Model(sprig_model* handle) : handle_(handle) {}
  Model(Model&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Model& operator=(Model&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~Model() { sprig_model_free(handle_); }

  // On failure returns the status; sprig_last_error() says why.
  static sprig_status load(const char* path, Model* out) {
    sprig_model* handle = nullptr;
    const sprig_status status = sprig_model_load(path, &handle);
    *out = Model(handle);
    return status;
  }
  const sprig_model* get() const { return handle_; }
  int num_inputs() const { return sprig_model_num_inputs(handle_); }
  int num_outputs() const { return sprig_model_num_outputs(handle_); }

 private:
  sprig_model* handle_ = nullptr;
};

class Adapter {
 public:
  Adapter() = default;
  explicit Adapter(sprig_adapter* handle) : handle_(handle) {}
  Adapter(Adapter&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Adapter& operator=(Adapter&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~Adapter() { sprig_adapter_free(handle_); }

  static sprig_status load(const char* path, Adapter* out) {
    sprig_adapter* handle = nullptr;
    const sprig_status status = sprig_adapter_load(path, &handle);
    *out = Adapter(handle);
    return status;
  }
  const sprig_adapter* get() const { return handle_; }

 private:
  sprig_adapter* handle_ = nullptr;
};

class Session {
 public:
  Session() = default;
  explicit Session(sprig_session* handle) : handle_(handle) {}
  Session(Session&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Session& operator=(Session&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~Session() { sprig_session_free(handle_); }

  static sprig_status create(const Model& model, const sprig_session_options* options, Session* out) {
    sprig_session* handle = nullptr;
    const sprig_status status = sprig_session_create(model.get(), options, &handle);
    *out = Session(handle);
    return status;
  }
  sprig_status input_info(int index, sprig_tensor_info* info) const {
    return sprig_session_input_info(handle_, index, info);
  }
  sprig_status output_info(int index, sprig_tensor_info* info) const {
    return sprig_session_output_info(handle_, index, info);
  }
  sprig_status set_input(int index, const void* data, size_t bytes) {
    return sprig_session_set_input(handle_, index, data, bytes);
  }
  sprig_status set_rows(int index, int64_t rows) { return sprig_session_set_rows(handle_, index, rows); }
  sprig_status run() { return sprig_session_run(handle_); }
  sprig_status bind_adapter(const Adapter& adapter, float scale = 1.0f) {
    return sprig_session_bind_adapter(handle_, adapter.get(), scale);
  }
  // Unbinds `adapter`, or every adapter when it is null.
  sprig_status unbind_adapter(const Adapter* adapter = nullptr) {
    return sprig_session_unbind_adapter(handle_, adapter ? adapter->get() : nullptr);
  }
  sprig_status get_output(int index, void* data, size_t bytes) const {
    return sprig_session_get_output(handle_, index, data, bytes);
  }

 private:
  sprig_session* handle_ = nullptr;
};

}  // namespace sprig_api

#endif  // SPRIG_SPRIG_HPP_
