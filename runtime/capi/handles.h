// The C API's opaque handles and error reporting, shared by its source files.
#pragma once

#include <memory>

#include "runtime/core/model.h"
#include "runtime/core/session.h"
#include "sprig/sprig.h"

struct sprig_model {
  std::unique_ptr<sprig::Model> model;
};

struct sprig_session {
  std::unique_ptr<sprig::Session> session;
};

struct sprig_adapter {
  std::unique_ptr<sprig::Adapter> adapter;
};

namespace sprig::capi {

// Records a failed status for sprig_last_error(); returns its code.
sprig_status report(const Status& status);
sprig_status invalid_argument(const char* message);

}  // namespace sprig::capi
