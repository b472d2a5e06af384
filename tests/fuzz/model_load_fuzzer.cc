// Fuzzes Model::load_from_memory with arbitrary bytes; a model that verifies is also run on the
// reference backend (when its arena is modest), so kernels see every shape the verifier accepts.
#include <cstdlib>
#include <cstring>

#include "backends/reference/reference_backend.h"
#include "runtime/core/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  void* aligned = std::aligned_alloc(64, (size + 63) / 64 * 64 + 64);
  if (size) std::memcpy(aligned, data, size);
  auto model = sprig::Model::load_from_memory(aligned, size);
  if (model.ok() && (*model)->arena_size() < (16u << 20)) {
    sprig::Backend* backends[] = {sprig::reference_backend()};
    sprig::SessionOptions options;
    options.backends = backends;
    options.num_backends = 1;
    auto session = sprig::Session::create(**model, options);
    if (session.ok()) (void)(*session)->run();
  }
  std::free(aligned);
  return 0;
}
