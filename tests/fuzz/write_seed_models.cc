// Writes small valid models into a directory, as seeds for the model-loader fuzz target.
// usage: sprig_write_seed_models DIR
#include <cstdio>
#include <string>

#include "converter/serialize/serialize.h"
#include "tests/common/tiny_model.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::vector<uint8_t> bytes = sprig::convert::serialize_model(sprig::test::tiny_graph(), {});
  sprig::convert::write_file_atomic(std::string(argv[1]) + "/tiny.sprig", bytes);
  return 0;
}
