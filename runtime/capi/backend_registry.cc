#include "runtime/capi/backend_registry.h"

#include <cstring>

#include "backends/cpu/cpu_backend.h"
#include "backends/reference/reference_backend.h"

namespace sprig {

int registered_backends(Backend* const** out) {
  static Backend* const kBackends[] = {
    cpu_backend(),
#ifdef SPRIG_HAVE_XNNPACK
    cpu_xnnpack_backend(),
#endif
    cpu_own_backend(),
    reference_backend(),
  };
  *out = kBackends;
  return static_cast<int>(sizeof(kBackends) / sizeof(kBackends[0]));
}

Backend* find_backend(const char* name) {
  Backend* const* backends = nullptr;
  const int count = registered_backends(&backends);
  for (int i = 0; i < count; ++i)
    if (name != nullptr && std::strcmp(backends[i]->name(), name) == 0) return backends[i];
  return nullptr;
}

}  // namespace sprig
