// Fuzzes Model::load_from_memory and Adapter::load_from_memory (the two share the file checks) with
// arbitrary bytes; a model that verifies is also run on the reference backend (when its arena is
// modest), so kernels see every shape the verifier accepts, and an adapter that verifies has its
// matrices read whole.
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
  auto adapter = sprig::Adapter::load_from_memory(aligned, size);
  if (adapter.ok()) {
    volatile uint8_t sum = 0;
    for (int t = 0; t < (*adapter)->num_targets(); ++t)
      for (const sprig::TensorView* m : {(*adapter)->target(t).a, (*adapter)->target(t).b})
        for (size_t i = 0; i < m->bytes(); ++i) sum = sum + static_cast<const uint8_t*>(m->data)[i];
  }
  std::free(aligned);
  return 0;
}
