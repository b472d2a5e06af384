// The C API's LoRA adapter functions (sprig.h).
#include <new>

#include "runtime/capi/handles.h"

using sprig::capi::invalid_argument;
using sprig::capi::report;

sprig_status sprig_adapter_load(const char* path, sprig_adapter** out_adapter) {
  if (out_adapter == nullptr) return invalid_argument("out_adapter is null");
  *out_adapter = nullptr;
  auto loaded = sprig::Adapter::load(path);
  if (!loaded.ok()) return report(loaded.status());
  auto* handle = new (std::nothrow) sprig_adapter{std::move(loaded.value())};
  if (handle == nullptr) return report(sprig::Status(sprig::Code::kOutOfMemory, "out of memory"));
  *out_adapter = handle;
  return SPRIG_OK;
}

void sprig_adapter_free(sprig_adapter* adapter) { delete adapter; }

sprig_status sprig_session_bind_adapter(sprig_session* session, const sprig_adapter* adapter,
                                        float scale) {
  if (session == nullptr || adapter == nullptr) return invalid_argument("session or adapter is null");
  return report(session->session->bind_adapter(*adapter->adapter, scale));
}

sprig_status sprig_session_unbind_adapter(sprig_session* session, const sprig_adapter* adapter) {
  if (session == nullptr) return invalid_argument("session is null");
  if (adapter == nullptr) {
    session->session->unbind_adapters();
    return SPRIG_OK;
  }
  return report(session->session->unbind_adapter(*adapter->adapter));
}
