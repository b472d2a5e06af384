// Writes a small valid model and a LoRA adapter for it into a directory, as seeds for the loader
// fuzz target.
// usage: sprig_write_seed_models DIR
#include <cstdio>
#include <string>

#include "converter/adapter/adapter_writer.h"
#include "converter/serialize/serialize.h"
#include "tests/common/tiny_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::vector<uint8_t> bytes = sprig::convert::serialize_model(sprig::test::tiny_graph(), {});
  sprig::convert::write_file_atomic(std::string(argv[1]) + "/tiny.sprig", bytes);
  sprig::convert::LoraWeights fc;  // on tiny_graph's FullyConnected weights [4, 27]
  fc.weight = "fc.weight";
  fc.n = 4;
  fc.k = 27;
  fc.rank = 2;
  fc.alpha = 4.0f;
  fc.scaling = 2.0f;
  fc.a.assign(2 * 27, 0.25f);
  fc.b.assign(4 * 2, -0.5f);
  sprig::convert::write_file_atomic(std::string(argv[1]) + "/tiny_adapter.sprig",
                                    sprig::convert::serialize_adapter({fc}, "0123abcd", sprig::fb::DType::F16, {}));
  return 0;
}
