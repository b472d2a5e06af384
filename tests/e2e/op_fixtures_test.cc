// Small single-pattern PyTorch modules (models/make_op_fixtures.py): each converted and run,
// against PyTorch's output.
#include <gtest/gtest.h>

#include <dirent.h>

#include <algorithm>
#include <cstdio>

#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

std::vector<std::string> cases() {
  std::vector<std::string> names;
  const std::string dir = fixtures_dir() + "/ops";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      std::string name = entry->d_name;
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0)
        names.push_back(name.substr(0, name.size() - 5));
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OpFixturesTest, EveryCaseMatchesPyTorch) {
  const std::vector<std::string> names = cases();
  ASSERT_GE(names.size(), 40u) << "fixtures missing in " << fixtures_dir() << "/ops";
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const std::string base = fixtures_dir() + "/ops/" + name;
    std::vector<uint8_t> bytes;
    try {
      bytes = convert_onnx(base + ".onnx");
    } catch (const convert::ConvertError& error) {
      ADD_FAILURE() << name << ": conversion failed: " << error.what();
      continue;
    }
    LoadedModel loaded = load_bytes(bytes);
    if (!loaded.model) continue;
    std::unique_ptr<Session> session = make_session(*loaded.model);
    if (!session) continue;
    const std::vector<float> input = read_npy_f32(base + "_input.npy");
    const std::vector<float> expected = read_npy_f32(base + "_output.npy");
    ASSERT_EQ(input.size() * sizeof(float), session->input(0).bytes());
    ASSERT_EQ(expected.size() * sizeof(float), session->output(0).bytes());
    std::copy(input.begin(), input.end(), session->input(0).f32());
    ASSERT_TRUE(session->run().ok());
    const Difference d = compare(session->output(0).f32(), expected.data(), expected.size());
    std::printf("[ figures  ] %-28s ops %3d  max|err| %.3g  ratio %.3g\n", name.c_str(),
                loaded.model->num_ops(), d.max_abs, d.relative());
    EXPECT_LE(d.relative(), 1e-5) << name;
  }
}

}  // namespace
}  // namespace sprig::test
