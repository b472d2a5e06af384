// The op conformance suite: every op of runtime/schema/sprig.fbs on seeded random shapes and
// options (tests/conformance/make_cases.py writes them with PyTorch's outputs). Each case becomes
// a one-node model; the reference backend must match PyTorch, and every other registered backend
// must match the reference backend on the cases it supports.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/capi/backend_registry.h"
#include "runtime/core/model.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

using nlohmann::json;

// Reference backend vs PyTorch (float64, rounded to float32): |a - b| <= kAtol + kRtol * |b|.
constexpr double kAtol = 1e-5;
constexpr double kRtol = 1e-4;
// Another backend vs the reference: both are held to the bound above against the true value, so
// their difference may be up to twice it.
constexpr double kBackendAtol = 2 * kAtol;
constexpr double kBackendRtol = 2 * kRtol;

struct TensorSpec {
  std::string file;
  std::vector<int64_t> shape;
  bool constant = false;
  bool state = false;  // a state tensor (a KV cache), zero before the run
  // int8 cases (int8_cases.py): I8 or I32 values stored in the .npy as floats, with quantization.
  fb::DType dtype = fb::DType::F32;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int axis = -1;
};

// int8 outputs: PyTorch may round a value within float error of a half the other way (1 step);
// every Sprig backend computes the same integers (runtime/core/int8_arith.h), so 0 between them.
constexpr double kInt8TorchAtol = 1.0;
constexpr double kInt8BackendAtol = 0.0;

struct Case {
  std::string name;
  fb::OpType op = fb::OpType::Conv2D;
  std::string label;            // the summary row: the op type, with the kind for Activation ops
  std::string activation_kind;  // Activation ops only
  json options;
  std::vector<TensorSpec> inputs;
  TensorSpec output;
};

// A case's tensors, read from its .npy files.
struct CaseData {
  std::vector<std::vector<float>> inputs;
  std::vector<float> expected;
};

std::string cases_dir() { return fixtures_dir() + "/conformance"; }

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// The enum value whose flatbuffers name is `name`; throws naming `what` when there is none.
template <typename Enum, size_t N>
Enum enum_named(const std::string& name, const Enum (&values)[N], const char* const* names,
                const char* what) {
  for (size_t i = 0; i < N; ++i)
    if (name == names[i]) return values[i];
  throw std::runtime_error(std::string("unknown ") + what + " '" + name + "'");
}

fb::OpType op_type_from(const std::string& name) {
  return enum_named(name, fb::EnumValuesOpType(), fb::EnumNamesOpType(), "op");
}

fb::ActivationKind activation_kind_from(const std::string& name) {
  return enum_named(name, fb::EnumValuesActivationKind(), fb::EnumNamesActivationKind(),
                    "activation kind");
}

fb::PadMode pad_mode_from(const std::string& name) {
  return enum_named(name, fb::EnumValuesPadMode(), fb::EnumNamesPadMode(), "pad mode");
}

TensorSpec tensor_spec(const json& j) {
  TensorSpec spec;
  spec.file = j.at("file").get<std::string>();
  spec.shape = j.at("shape").get<std::vector<int64_t>>();
  spec.constant = j.value("constant", false);
  spec.state = j.value("state", false);
  const std::string dtype = j.value("dtype", std::string("F32"));
  spec.dtype = enum_named(dtype, fb::EnumValuesDType(), fb::EnumNamesDType(), "dtype");
  spec.scale = j.value("scale", std::vector<float>());
  spec.zero_point = j.value("zero_point", std::vector<int64_t>());
  spec.axis = j.value("axis", -1);
  return spec;
}

// Reads cases.json; throws on a malformed file.
std::vector<Case> read_cases(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open '" + path + "'");
  const json list = json::parse(file);
  std::vector<Case> cases;
  for (const json& j : list) {
    Case c;
    c.name = j.at("name").get<std::string>();
    c.op = op_type_from(j.at("op").get<std::string>());
    c.options = j.value("options", json::object());
    for (const json& input : j.at("inputs")) c.inputs.push_back(tensor_spec(input));
    if (j.at("outputs").size() != 1) throw std::runtime_error(c.name + ": expected one output");
    c.output = tensor_spec(j.at("outputs")[0]);
    c.label = fb::EnumNameOpType(c.op);
    if (c.output.dtype == fb::DType::I8 && c.op != fb::OpType::Quantize) c.label += ":int8";
    if (c.op == fb::OpType::Activation) {
      c.activation_kind = c.options.at("activation").at("kind").get<std::string>();
      c.label += ":" + c.activation_kind;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// All cases, read once. Empty (with a recorded reason) when the fixtures are missing.
const std::vector<Case>& all_cases(std::string* error = nullptr) {
  static std::string load_error;
  static const std::vector<Case> cases = [] {
    try {
      return read_cases(cases_dir() + "/cases.json");
    } catch (const std::exception& e) {
      load_error = e.what();
      return std::vector<Case>();
    }
  }();
  if (error) *error = load_error;
  return cases;
}

bool read_case_data(const Case& c, CaseData* data) {
  for (const TensorSpec& spec : c.inputs) {
    std::vector<float> values = read_npy_f32(cases_dir() + "/" + spec.file);
    if (static_cast<int64_t>(values.size()) != numel(spec.shape)) {
      ADD_FAILURE() << c.name << ": " << spec.file << " does not hold " << shape_text(spec.shape);
      return false;
    }
    data->inputs.push_back(std::move(values));
  }
  data->expected = read_npy_f32(cases_dir() + "/" + c.output.file);
  if (static_cast<int64_t>(data->expected.size()) != numel(c.output.shape)) {
    ADD_FAILURE() << c.name << ": " << c.output.file << " does not hold "
                  << shape_text(c.output.shape);
    return false;
  }
  return true;
}

// ---- building the one-node model ----------------------------------------------------------------

std::unique_ptr<fb::ActivationT> activation_from(const json& options, const char* key) {
  if (!options.contains(key) || options.at(key).is_null()) return nullptr;
  const json& j = options.at(key);
  auto activation = std::make_unique<fb::ActivationT>();
  activation->kind = activation_kind_from(j.at("kind").get<std::string>());
  activation->alpha = j.value("alpha", 0.0f);
  activation->beta = j.value("beta", 0.0f);
  return activation;
}

fb::OpOptionsUnion options_for(fb::OpType type, const json& o) {
  fb::OpOptionsUnion u;
  switch (type) {
    case fb::OpType::Conv2D: {
      fb::Conv2DOptionsT t;
      t.stride_h = o.value("stride_h", 1);
      t.stride_w = o.value("stride_w", 1);
      t.dilation_h = o.value("dilation_h", 1);
      t.dilation_w = o.value("dilation_w", 1);
      t.pad_top = o.value("pad_top", 0);
      t.pad_left = o.value("pad_left", 0);
      t.pad_bottom = o.value("pad_bottom", 0);
      t.pad_right = o.value("pad_right", 0);
      t.groups = o.value("groups", 1);
      t.fused = activation_from(o, "fused");
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::FullyConnected: {
      fb::FullyConnectedOptionsT t;
      t.fused = activation_from(o, "fused");
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::MatMul:
      u.Set(fb::MatMulOptionsT());
      break;
    case fb::OpType::BatchNorm: {
      fb::BatchNormOptionsT t;
      t.epsilon = o.value("epsilon", 1e-5f);
      t.axis = o.value("axis", 1);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Add:
    case fb::OpType::Sub:
    case fb::OpType::Mul:
    case fb::OpType::Div: {
      fb::BinaryOptionsT t;
      t.fused = activation_from(o, "fused");
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Activation: {
      fb::ActivationOptionsT t;
      t.activation = activation_from(o, "activation");
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::MaxPool2D:
    case fb::OpType::AveragePool2D: {
      fb::Pool2DOptionsT t;
      t.kernel_h = o.at("kernel_h").get<int>();
      t.kernel_w = o.at("kernel_w").get<int>();
      t.stride_h = o.value("stride_h", 1);
      t.stride_w = o.value("stride_w", 1);
      t.dilation_h = o.value("dilation_h", 1);
      t.dilation_w = o.value("dilation_w", 1);
      t.pad_top = o.value("pad_top", 0);
      t.pad_left = o.value("pad_left", 0);
      t.pad_bottom = o.value("pad_bottom", 0);
      t.pad_right = o.value("pad_right", 0);
      t.count_include_pad = o.value("count_include_pad", false);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::GlobalAveragePool:
      u.Set(fb::GlobalAveragePoolOptionsT());
      break;
    case fb::OpType::ReduceMean: {
      fb::ReduceMeanOptionsT t;
      t.axes = o.at("axes").get<std::vector<int32_t>>();
      t.keep_dims = o.value("keep_dims", true);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Softmax: {
      fb::SoftmaxOptionsT t;
      t.axis = o.value("axis", -1);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Reshape:
      u.Set(fb::ReshapeOptionsT());
      break;
    case fb::OpType::Concat: {
      fb::ConcatOptionsT t;
      t.axis = o.at("axis").get<int>();
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Transpose: {
      fb::TransposeOptionsT t;
      t.perm = o.at("perm").get<std::vector<int32_t>>();
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Pad: {
      fb::PadOptionsT t;
      t.pads = o.at("pads").get<std::vector<int64_t>>();
      t.mode = pad_mode_from(o.value("mode", std::string("Constant")));
      t.value = o.value("value", 0.0f);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Slice: {
      fb::SliceOptionsT t;
      t.starts = o.at("starts").get<std::vector<int64_t>>();
      t.steps = o.at("steps").get<std::vector<int64_t>>();
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Quantize:
      u.Set(fb::QuantizeOptionsT());
      break;
    case fb::OpType::Dequantize:
      u.Set(fb::DequantizeOptionsT());
      break;
    case fb::OpType::Gather:
      u.Set(fb::GatherOptionsT());
      break;
    case fb::OpType::RmsNorm: {
      fb::RmsNormOptionsT t;
      t.epsilon = o.value("epsilon", 1e-6f);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::LayerNorm: {
      fb::LayerNormOptionsT t;
      t.epsilon = o.value("epsilon", 1e-5f);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Rope: {
      fb::RopeOptionsT t;
      t.interleaved = o.value("interleaved", false);
      u.Set(std::move(t));
      break;
    }
    case fb::OpType::Attention: {
      fb::AttentionOptionsT t;
      t.causal = o.value("causal", true);
      t.scale = o.value("scale", 0.0f);
      u.Set(std::move(t));
      break;
    }
  }
  if (u.type == fb::OpOptions::NONE)
    throw std::runtime_error(std::string("no options for op ") + fb::EnumNameOpType(type));
  return u;
}

void set_quantization(const TensorSpec& spec, convert::Value* value) {
  if (spec.scale.empty()) return;
  value->quantization = std::make_shared<fb::QuantizationT>();
  value->quantization->scale = spec.scale;
  value->quantization->zero_point = spec.zero_point;
  value->quantization->axis = spec.axis;
}

// Integers held as floats, stored as `dtype` (I8 or I32).
std::vector<uint8_t> integer_bytes(fb::DType dtype, const std::vector<float>& values) {
  std::vector<uint8_t> bytes;
  for (float v : values) {
    if (dtype == fb::DType::I8) {
      bytes.push_back(static_cast<uint8_t>(static_cast<int8_t>(v)));
    } else {
      const int32_t i = static_cast<int32_t>(v);
      const uint8_t* p = reinterpret_cast<const uint8_t*>(&i);
      bytes.insert(bytes.end(), p, p + sizeof(i));
    }
  }
  return bytes;
}

// The case as a one-node graph: inputs flagged constant become constants, the others graph inputs
// (in case order).
convert::Graph build_graph(const Case& c, const CaseData& data) {
  convert::Graph graph;
  graph.name = c.name;
  convert::Node node;
  node.type = c.op;
  node.name = c.name;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const std::string name = "input" + std::to_string(i);
    const TensorSpec& spec = c.inputs[i];
    int v;
    if (spec.state) {
      v = graph.add_value(name, spec.dtype, spec.shape);
      graph.values[static_cast<size_t>(v)].is_state = true;
    } else if (spec.constant && spec.dtype == fb::DType::F32) {
      v = graph.add_constant(name, spec.shape, data.inputs[i]);
    } else {
      v = graph.add_value(name, spec.dtype, spec.shape);
      set_quantization(spec, &graph.values[static_cast<size_t>(v)]);
      if (spec.constant) {
        graph.values[static_cast<size_t>(v)].is_constant = true;
        graph.values[static_cast<size_t>(v)].data = integer_bytes(spec.dtype, data.inputs[i]);
      } else {
        graph.inputs.push_back(v);
      }
    }
    node.inputs.push_back(v);
  }
  const int out = graph.add_value("output", c.output.dtype, c.output.shape);
  set_quantization(c.output, &graph.values[static_cast<size_t>(out)]);
  node.outputs = {out};
  node.options = options_for(c.op, c.options);
  graph.add_node(std::move(node));
  graph.outputs = {out};
  return graph;
}

// Everything needed to reproduce a case by hand.
std::string describe(const Case& c) {
  std::ostringstream text;
  text << c.name << " (" << fb::EnumNameOpType(c.op) << "): inputs";
  for (const TensorSpec& spec : c.inputs)
    text << " " << shape_text(spec.shape) << (spec.constant ? " const" : "")
         << (spec.state ? " state" : "");
  text << " -> output " << shape_text(c.output.shape) << ", options " << c.options.dump();
  return text.str();
}

// Serialized and loaded; a null model when that fails, with a test failure recorded when `report`.
LoadedModel load_case(const Case& c, const CaseData& data, bool report = true) {
  std::vector<uint8_t> bytes;
  try {
    bytes = serialize(build_graph(c, data));
  } catch (const std::exception& e) {
    if (report) ADD_FAILURE() << describe(c) << "\n  building the model failed: " << e.what();
    return LoadedModel();
  }
  const Status status = load_bytes_status(bytes);
  if (!status.ok()) {
    if (report) ADD_FAILURE() << describe(c) << "\n  the model does not load: " << status.message();
    return LoadedModel();
  }
  return load_bytes(bytes);
}

// ---- running and comparing ----------------------------------------------------------------------

// Copies the case's non-constant inputs into the session's inputs.
bool feed_inputs(Session& session, const Case& c, const CaseData& data, std::string* error) {
  int next = 0;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].constant || c.inputs[i].state) continue;
    if (next >= session.num_inputs()) {
      *error = "the session has too few inputs";
      return false;
    }
    const TensorView& view = session.input(next++);
    const std::vector<uint8_t> bytes =
        view.dtype == DType::F32
            ? std::vector<uint8_t>(reinterpret_cast<const uint8_t*>(data.inputs[i].data()),
                                   reinterpret_cast<const uint8_t*>(data.inputs[i].data() +
                                                                    data.inputs[i].size()))
            : integer_bytes(view.dtype, data.inputs[i]);
    if (view.bytes() != bytes.size()) {
      *error = "input " + std::to_string(i) + " has " + std::to_string(view.bytes()) + " bytes";
      return false;
    }
    std::memcpy(view.data, bytes.data(), view.bytes());
  }
  return true;
}

// Runs the session and copies output 0 into *output.
bool run_session(Session& session, std::vector<float>* output, std::string* error) {
  const Status status = session.run();
  if (!status.ok()) {
    *error = std::string("run failed: ") + status.message();
    return false;
  }
  const TensorView& view = session.output(0);
  if (view.dtype == DType::I8)
    output->assign(view.as<const int8_t>(), view.as<const int8_t>() + view.shape.numel());
  else
    output->assign(view.f32(), view.f32() + view.shape.numel());
  return true;
}

// Runs `c` on a fresh session over `backend`; false (and *error) when anything fails.
bool run_case(const Model& model, const std::string& backend, const Case& c, const CaseData& data,
              std::vector<float>* output, std::string* error) {
  std::unique_ptr<Session> session = make_session(model, {backend});
  if (!session) {
    *error = "no session";
    return false;
  }
  return feed_inputs(*session, c, data, error) && run_session(*session, output, error);
}

struct Comparison {
  double max_abs = 0;      // max |actual - expected|
  double worst_ratio = 0;  // max |actual - expected| / (atol + rtol * |expected|)
  size_t worst_index = 0;
  size_t violations = 0;
};

Comparison compare_within(const std::vector<float>& actual, const std::vector<float>& expected,
                          double atol, double rtol) {
  Comparison result;
  for (size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
    const double a = actual[i], b = expected[i];
    double error = a == b ? 0.0 : std::fabs(a - b);
    if (std::isnan(error)) error = INFINITY;
    const double bound = atol + rtol * std::fabs(b);
    const double ratio = bound > 0 ? error / bound : (error > 0 ? INFINITY : 0.0);
    result.max_abs = std::max(result.max_abs, error);
    if (ratio > 1) ++result.violations;
    if (ratio > result.worst_ratio) {
      result.worst_ratio = ratio;
      result.worst_index = i;
    }
  }
  if (actual.size() != expected.size()) {
    result.max_abs = result.worst_ratio = INFINITY;
    result.violations = expected.size();
  }
  return result;
}

std::string index_text(size_t flat, const std::vector<int64_t>& shape) {
  std::vector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] ? static_cast<int64_t>(flat % static_cast<size_t>(shape[d])) : 0;
    if (shape[d]) flat /= static_cast<size_t>(shape[d]);
  }
  return shape_text(index);
}

std::string mismatch_text(const Case& c, const Comparison& d, const std::vector<float>& actual,
                          const std::vector<float>& expected, const char* against) {
  if (expected.empty()) return describe(c) + "\n  no expected values";
  std::ostringstream text;
  text << std::setprecision(9) << describe(c) << "\n  " << d.violations << " of " << expected.size()
       << " elements outside the tolerance against " << against << "; worst at "
       << index_text(d.worst_index, c.output.shape) << ": got "
       << (d.worst_index < actual.size() ? actual[d.worst_index] : NAN) << ", expected "
       << expected[d.worst_index] << " (|err| " << d.max_abs << ")";
  return text.str();
}

std::vector<Backend*> other_backends() {
  Backend* const* list = nullptr;
  const int count = registered_backends(&list);
  std::vector<Backend*> others;
  for (int i = 0; i < count; ++i)
    if (std::strcmp(list[i]->name(), "reference") != 0) others.push_back(list[i]);
  return others;
}

// Per summary row (op type or activation kind).
struct BackendStats {
  int compared = 0;
  double max_abs = 0;  // vs the reference backend
  int failures = 0;
};

struct OpStats {
  int order = 0;  // schema order for the table
  int cases = 0;
  double max_abs = 0;  // vs PyTorch
  double worst_ratio = 0;
  std::string worst_case;
  int failures = 0;
  std::map<std::string, BackendStats> backends;
};

int row_order(const Case& c) {
  int order = static_cast<int>(c.op) * 100;
  if (c.op == fb::OpType::Activation)
    order += static_cast<int>(activation_kind_from(c.activation_kind));
  return order;
}

void print_summary(const std::map<std::string, OpStats>& stats, const std::vector<Backend*>& others,
                   const std::map<std::string, std::string>& unavailable) {
  std::vector<std::pair<std::string, const OpStats*>> rows;
  for (const auto& entry : stats) rows.emplace_back(entry.first, &entry.second);
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second->order < b.second->order; });
  std::printf("[ figures  ] %-24s %5s %6s  %-13s %-8s  %-28s %s\n", "op", "cases", "failed",
              "max|err|torch", "err/tol", "worst case", "backends (cases, max|err| vs reference)");
  int total = 0, total_failed = 0;
  double max_ratio = 0;
  for (const auto& [label, s] : rows) {
    std::string backends = "reference";
    for (Backend* backend : others) {
      const std::string name = backend->name();
      char text[96];
      if (unavailable.count(name)) {
        std::snprintf(text, sizeof(text), "; %s unavailable", name.c_str());
      } else {
        const auto it = s->backends.find(name);
        const BackendStats b = it == s->backends.end() ? BackendStats() : it->second;
        std::snprintf(text, sizeof(text), "; %s %d/%d %.2g", name.c_str(), b.compared, s->cases,
                      b.max_abs);
      }
      backends += text;
    }
    int failed = s->failures;
    for (const auto& entry : s->backends) failed += entry.second.failures;
    std::printf("[ figures  ] %-24s %5d %6d  %-13.3g %-8.3g  %-28s %s\n", label.c_str(), s->cases,
                failed, s->max_abs, s->worst_ratio, s->worst_case.c_str(), backends.c_str());
    total += s->cases;
    total_failed += failed;
    max_ratio = std::max(max_ratio, s->worst_ratio);
  }
  std::printf(
      "[ figures  ] %d cases on %d op rows, %d failed; worst err/tol vs PyTorch %.3g "
      "(tolerance %.0e + %.0e*|ref|)%s\n",
      total, static_cast<int>(rows.size()), total_failed, max_ratio, kAtol, kRtol,
      others.empty() ? "; no backend besides reference is compiled in" : "");
  for (const auto& [name, why] : unavailable)
    std::printf("[ figures  ] backend %s unavailable: %s\n", name.c_str(), why.c_str());
}

class ConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    cases_ = &all_cases(&error);
    ASSERT_FALSE(cases_->empty()) << "no conformance cases in " << cases_dir() << " (" << error
                                  << "); run tests/conformance/make_cases.py --out " << cases_dir();
  }
  const std::vector<Case>* cases_ = nullptr;
};

// The cases exercise every op type and every activation kind of the schema, so a new op or kind
// fails here until make_cases.py covers it.
TEST_F(ConformanceTest, CoversEveryOpTypeAndActivationKind) {
  std::map<fb::OpType, int> ops;
  std::map<std::string, int> kinds;
  for (const Case& c : *cases_) {
    ++ops[c.op];
    if (c.op == fb::OpType::Activation) ++kinds[c.activation_kind];
  }
  for (fb::OpType type : fb::EnumValuesOpType())
    EXPECT_GE(ops[type], 1) << "no case for op " << fb::EnumNameOpType(type);
  for (fb::ActivationKind kind : fb::EnumValuesActivationKind())
    EXPECT_GE(kinds[fb::EnumNameActivationKind(kind)], 1)
        << "no Activation case of kind " << fb::EnumNameActivationKind(kind);
}

// Reference backend vs PyTorch, then every other backend vs the reference, case by case.
TEST_F(ConformanceTest, EveryOpOnEveryBackend) {
  const std::vector<Backend*> others = other_backends();
  std::map<std::string, std::string> unavailable;
  for (Backend* backend : others) {
    const Status status = backend->availability();
    if (!status.ok()) unavailable[backend->name()] = status.message();
  }
  std::map<std::string, OpStats> stats;
  for (const Case& c : *cases_) {
    SCOPED_TRACE(c.name);
    OpStats& s = stats[c.label];
    s.order = row_order(c);
    ++s.cases;
    CaseData data;
    if (!read_case_data(c, &data)) {
      ++s.failures;
      continue;
    }
    LoadedModel loaded = load_case(c, data);
    if (!loaded.model) {
      ++s.failures;
      continue;
    }
    std::vector<float> reference;
    std::string error;
    if (!run_case(*loaded.model, "reference", c, data, &reference, &error)) {
      ADD_FAILURE() << describe(c) << "\n  reference: " << error;
      ++s.failures;
      continue;
    }
    const bool int8_output = c.output.dtype == fb::DType::I8;
    const Comparison d = int8_output ? compare_within(reference, data.expected, kInt8TorchAtol, 0)
                                     : compare_within(reference, data.expected, kAtol, kRtol);
    s.max_abs = std::max(s.max_abs, d.max_abs);
    if (d.worst_ratio > s.worst_ratio || s.worst_case.empty()) {
      s.worst_ratio = d.worst_ratio;
      s.worst_case = c.name;
    }
    if (d.violations) {
      ++s.failures;
      ADD_FAILURE() << "reference: " << mismatch_text(c, d, reference, data.expected, "PyTorch");
    }
    for (Backend* backend : others) {
      const std::string name = backend->name();
      if (unavailable.count(name) || !backend->supports(*loaded.model, 0)) continue;
      BackendStats& b = s.backends[name];
      std::vector<float> output;
      if (!run_case(*loaded.model, name, c, data, &output, &error)) {
        ADD_FAILURE() << describe(c) << "\n  " << name << ": " << error;
        ++b.failures;
        continue;
      }
      ++b.compared;
      const Comparison e = int8_output
                               ? compare_within(output, reference, kInt8BackendAtol, 0)
                               : compare_within(output, reference, kBackendAtol, kBackendRtol);
      b.max_abs = std::max(b.max_abs, e.max_abs);
      if (e.violations) {
        ++b.failures;
        ADD_FAILURE() << name << ": " << mismatch_text(c, e, output, reference, "reference");
      }
    }
  }
  print_summary(stats, others, unavailable);
}

// The session path: running one session twice gives bit-identical outputs, and run() leaves the
// inputs as they were written (Session::input's contract), on every backend.
TEST_F(ConformanceTest, SessionRunsTwiceIdenticallyAndKeepsInputs) {
  std::vector<std::string> backends = {"reference"};
  for (Backend* backend : other_backends())
    if (backend->availability().ok()) backends.push_back(backend->name());
  int runs = 0, identical = 0, not_loaded = 0;
  for (const Case& c : *cases_) {
    SCOPED_TRACE(c.name);
    CaseData data;
    if (!read_case_data(c, &data)) continue;
    // A case that does not load fails EveryOpOnEveryBackend; it is only counted here.
    LoadedModel loaded = load_case(c, data, /*report=*/false);
    if (!loaded.model) {
      ++not_loaded;
      continue;
    }
    for (const std::string& name : backends) {
      if (name != "reference" && !find_backend(name.c_str())->supports(*loaded.model, 0)) continue;
      std::unique_ptr<Session> session = make_session(*loaded.model, {name});
      if (!session) continue;
      std::string error;
      std::vector<float> first, second;
      if (!feed_inputs(*session, c, data, &error) || !run_session(*session, &first, &error) ||
          !run_session(*session, &second, &error)) {
        ADD_FAILURE() << describe(c) << "\n  " << name << ": " << error;
        continue;
      }
      ++runs;
      const bool same = first.size() == second.size() &&
                        std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0;
      identical += same;
      EXPECT_TRUE(same) << name << ": " << describe(c)
                        << "\n  the second run's output differs from the first";
      int next = 0;
      for (size_t i = 0; i < c.inputs.size(); ++i) {
        if (c.inputs[i].constant || c.inputs[i].state) continue;
        const TensorView& view = session->input(next++);
        const void* written = data.inputs[i].data();
        std::vector<uint8_t> integers;
        if (view.dtype != DType::F32) {
          integers = integer_bytes(view.dtype, data.inputs[i]);
          written = integers.data();
        }
        EXPECT_EQ(0, std::memcmp(view.data, written, view.bytes()))
            << name << ": " << describe(c) << "\n  input " << i << " changed during run()";
      }
    }
  }
  std::printf(
      "[ figures  ] session path: %d of %d case x backend runs gave identical outputs when "
      "repeated (%d cases did not load)\n",
      identical, runs, not_loaded);
}

}  // namespace
}  // namespace sprig::test
