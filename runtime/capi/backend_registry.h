// The one place that lists the backends compiled into this build, in default preference order.
#pragma once

#include "runtime/core/backend.h"

namespace sprig {

// Backends compiled in, best first; the reference backend is always last.
int registered_backends(Backend* const** out);
// The backend named `name` ("reference", ...), or null when not compiled in.
Backend* find_backend(const char* name);

}  // namespace sprig
