// ONNX's own backend node tests (Debian's libonnx-testdata) for every op the converter supports:
// each test model is converted, run on the reference backend and compared with ONNX's expected
// outputs (rtol 1e-3, atol 1e-5, as ONNX's runner). A clean refusal by the converter counts as
// "not supported"; anything else that goes wrong is a failure.
//
// Node tests feed every operand as a graph input. Integer operands (shapes, axes, pads) and, when
// the converter needs them constant, float parameters (Clip bounds, Pad values) are bound as
// constants before conversion, as they are in exported models.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <dirent.h>

#include <array>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

const char* kNodeTestDir = "/usr/share/libonnx-testdata/data/node";

const std::set<std::string>& supported_ops() {
  static const std::set<std::string> ops = {
      "Conv", "Gemm", "MatMul", "BatchNormalization", "Add", "Sub", "Mul", "Div", "Relu", "Clip",
      "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Gelu", "MaxPool", "AveragePool",
      "GlobalAveragePool", "ReduceMean", "Softmax", "Reshape", "Flatten", "Concat", "Transpose",
      "Pad", "Slice", "Constant", "Identity", "Dropout", "Squeeze", "Unsqueeze"};
  return ops;
}

template <typename Message>
bool read_proto(const std::string& path, Message* message) {
  std::ifstream in(path, std::ios::binary);
  return in && message->ParseFromIstream(&in);
}

std::vector<float> tensor_floats(const onnx::TensorProto& tensor) {
  std::vector<float> values;
  if (tensor.has_raw_data()) {
    values.resize(tensor.raw_data().size() / sizeof(float));
    if (!values.empty()) std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(float));
  } else {
    values.assign(tensor.float_data().begin(), tensor.float_data().end());
  }
  return values;
}

enum class Outcome { kPassed, kFailed, kUnsupported };

struct NodeTest {
  std::string name;
  std::string op;
  onnx::ModelProto model;
  std::vector<onnx::TensorProto> inputs, outputs;
};

bool load_node_test(const std::string& dir, NodeTest* test) {
  if (!read_proto(dir + "/model.onnx", &test->model)) return false;
  for (int i = 0;; ++i) {
    onnx::TensorProto tensor;
    if (!read_proto(dir + "/test_data_set_0/input_" + std::to_string(i) + ".pb", &tensor)) break;
    test->inputs.push_back(tensor);
  }
  for (int i = 0;; ++i) {
    onnx::TensorProto tensor;
    if (!read_proto(dir + "/test_data_set_0/output_" + std::to_string(i) + ".pb", &tensor)) break;
    test->outputs.push_back(tensor);
  }
  return !test->outputs.empty();
}

// Moves graph inputs into initializers: all non-float ones, and with bind_floats every one but the
// first. Returns the indices of the inputs left as runtime inputs.
std::vector<int> bind_inputs(NodeTest& test, bool bind_floats) {
  onnx::GraphProto* graph = test.model.mutable_graph();
  std::vector<int> runtime_inputs;
  onnx::GraphProto kept;
  for (int i = 0; i < graph->input_size() && i < static_cast<int>(test.inputs.size()); ++i) {
    const bool is_float = test.inputs[static_cast<size_t>(i)].data_type() == onnx::TensorProto::FLOAT;
    if (is_float && !(bind_floats && i > 0)) {
      *kept.add_input() = graph->input(i);
      runtime_inputs.push_back(i);
    } else {
      onnx::TensorProto initializer = test.inputs[static_cast<size_t>(i)];
      initializer.set_name(graph->input(i).name());
      *graph->add_initializer() = initializer;
    }
  }
  graph->mutable_input()->Swap(kept.mutable_input());
  return runtime_inputs;
}

Outcome run_node_test(NodeTest test, bool bind_floats, std::string* detail) {
  for (const onnx::TensorProto& output : test.outputs)
    if (output.data_type() != onnx::TensorProto::FLOAT) {
      *detail = "non-float output";
      return Outcome::kUnsupported;
    }
  const std::vector<int> runtime_inputs = bind_inputs(test, bind_floats);
  const std::string path = fixtures_dir() + "/onnx_node_" + test.name + ".onnx";
  {
    std::ofstream out(path, std::ios::binary);
    test.model.SerializeToOstream(&out);
  }
  std::vector<uint8_t> bytes;
  try {
    bytes = convert_onnx(path);
  } catch (const convert::ConvertError& error) {
    std::remove(path.c_str());
    *detail = error.what();
    return error.code() == Code::kUnsupported ? Outcome::kUnsupported : Outcome::kFailed;
  }
  std::remove(path.c_str());
  const std::shared_ptr<uint8_t> storage(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64)),
                                         [](uint8_t* p) { std::free(p); });
  std::memcpy(storage.get(), bytes.data(), bytes.size());
  auto model = Model::load_from_memory(storage.get(), bytes.size());
  if (!model.ok()) {
    *detail = std::string("load: ") + model.status().message();
    return Outcome::kFailed;
  }
  std::unique_ptr<Session> session = make_session(**model);
  if (!session) return Outcome::kFailed;
  if (session->num_inputs() != static_cast<int>(runtime_inputs.size()) ||
      session->num_outputs() != static_cast<int>(test.outputs.size())) {
    *detail = "input/output count mismatch";
    return Outcome::kFailed;
  }
  for (int i = 0; i < session->num_inputs(); ++i) {
    const std::vector<float> values = tensor_floats(test.inputs[static_cast<size_t>(runtime_inputs[static_cast<size_t>(i)])]);
    if (values.size() * sizeof(float) != session->input(i).bytes()) {
      *detail = "input size mismatch";
      return Outcome::kFailed;
    }
    std::memcpy(session->input(i).data, values.data(), session->input(i).bytes());
  }
  const Status status = session->run();
  if (!status.ok()) {
    *detail = std::string("run: ") + status.message();
    return Outcome::kFailed;
  }
  for (int i = 0; i < session->num_outputs(); ++i) {
    const std::vector<float> expected = tensor_floats(test.outputs[static_cast<size_t>(i)]);
    if (expected.size() * sizeof(float) != session->output(i).bytes()) {
      *detail = "output size mismatch";
      return Outcome::kFailed;
    }
    const float* actual = session->output(i).f32();
    for (size_t j = 0; j < expected.size(); ++j) {
      const double tolerance = 1e-5 + 1e-3 * std::fabs(expected[j]);
      if (!(std::fabs(static_cast<double>(actual[j]) - expected[j]) <= tolerance) &&
          !(std::isnan(actual[j]) && std::isnan(expected[j]))) {
        *detail = "output " + std::to_string(i) + "[" + std::to_string(j) + "] = " +
                  std::to_string(actual[j]) + ", expected " + std::to_string(expected[j]);
        return Outcome::kFailed;
      }
    }
  }
  return Outcome::kPassed;
}

TEST(OnnxNodeTest, SupportedOpsPass) {
  DIR* dir = opendir(kNodeTestDir);
  ASSERT_NE(dir, nullptr) << kNodeTestDir << " missing: install libonnx-testdata";
  std::vector<std::string> names;
  while (dirent* entry = readdir(dir))
    if (std::strncmp(entry->d_name, "test_", 5) == 0) names.push_back(entry->d_name);
  closedir(dir);
  std::sort(names.begin(), names.end());

  std::map<std::string, std::array<int, 3>> per_op;
  int totals[3] = {0, 0, 0};
  for (const std::string& name : names) {
    NodeTest test;
    test.name = name;
    if (!load_node_test(std::string(kNodeTestDir) + "/" + name, &test)) continue;
    bool all_supported = test.model.graph().node_size() > 0;
    for (const onnx::NodeProto& node : test.model.graph().node())
      all_supported = all_supported && supported_ops().count(node.op_type());
    if (!all_supported) continue;
    test.op = test.model.graph().node(0).op_type();
    std::string detail;
    Outcome outcome = run_node_test(test, false, &detail);
    if (outcome == Outcome::kUnsupported) {
      std::string retry_detail;
      const Outcome retry = run_node_test(test, true, &retry_detail);
      if (retry != Outcome::kUnsupported) {
        outcome = retry;
        detail = retry_detail;
      }
    }
    const int slot = static_cast<int>(outcome);
    ++per_op[test.op][static_cast<size_t>(slot)];
    ++totals[slot];
    const char* label[] = {"passed", "FAILED", "not supported"};
    std::printf("  %-52s %-14s %s\n", name.c_str(), label[slot], detail.c_str());
    if (outcome == Outcome::kFailed) ADD_FAILURE() << name << ": " << detail;
  }
  std::printf("[ figures  ] ONNX node tests by op (passed / failed / not supported):\n");
  for (const auto& [op, counts] : per_op)
    std::printf("  %-20s %3d %3d %3d\n", op.c_str(), counts[0], counts[1], counts[2]);
  std::printf("[ figures  ] ONNX node tests: %d passed, %d failed, %d not supported\n", totals[0],
              totals[1], totals[2]);
  EXPECT_GT(totals[0], 100);
}

}  // namespace
}  // namespace sprig::test
