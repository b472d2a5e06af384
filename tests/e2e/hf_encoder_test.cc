// Hugging Face encoders (models/hf/make_hf_encoder_fixtures.py: BertModel in f32,
// BertForSequenceClassification in f16 with the "bert." prefix and a legacy position_ids buffer,
// ViTForImageClassification in bf16) converted and run on the reference and CPU backends against
// PyTorch: every output within 1e-4 x its largest magnitude. One BERT file runs a 10-token and a
// 4-token sequence (the sequence length is a run-time leading dimension, no padding or mask).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "converter/convert.h"
#include "converter/ir/error.h"
#include "tests/common/test_util.h"

namespace sprig::test {
namespace {

std::string case_dir(const std::string& name) { return fixtures_dir() + "/hf/" + name; }

LoadedModel convert_encoder(const std::string& dir) {
  EXPECT_TRUE(std::filesystem::exists(dir + "/config.json"))
      << dir << " is missing: run models/hf/make_hf_encoder_fixtures.py --out " << fixtures_dir() << "/hf";
  convert::ConvertOptions options;
  convert::Graph graph = convert::import_hf(dir, options);
  convert::optimize_graph(graph, options);
  return load_bytes(serialize(graph));
}

// Fills input `name` with `values` (its leading dimension set to their count when it may vary).
void set_input(Session& session, const char* name, const std::vector<float>& values) {
  const int i = session.find_input(name);
  ASSERT_GE(i, 0) << name;
  if (session.input(i).dim0_symbol != 0) {
    ASSERT_TRUE(session.set_rows(i, static_cast<int64_t>(values.size())).ok());
  }
  const TensorView& view = session.input(i);
  ASSERT_EQ(view.shape.numel(), static_cast<int64_t>(values.size())) << name;
  if (view.dtype == DType::I32) {
    std::transform(values.begin(), values.end(), view.as<int32_t>(), [](float v) { return static_cast<int32_t>(v); });
  } else {
    std::copy(values.begin(), values.end(), view.f32());
  }
}

// max |output - want| / max |want| for output `name`, printed.
double relative_error(Session& session, const char* name, const std::string& want_path, const char* label) {
  std::vector<int64_t> shape;
  const std::vector<float> want = read_npy_f32(want_path, &shape);
  const int o = session.find_output(name);
  EXPECT_GE(o, 0) << name;
  if (o < 0) return 1.0;
  const TensorView& out = session.output(o);
  EXPECT_EQ(out.shape.numel(), static_cast<int64_t>(want.size())) << name;
  if (out.shape.numel() != static_cast<int64_t>(want.size())) return 1.0;
  double largest = 0, worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    largest = std::max(largest, double(std::fabs(want[i])));
    worst = std::max(worst, double(std::fabs(out.f32()[i] - want[i])));
  }
  std::printf("[ figures  ] %s %s: max |err| %.3g, max |value| %.3g, ratio %.2g\n", label, name, worst, largest,
              worst / largest);
  return worst / largest;
}

class HfEncoderTest : public ::testing::TestWithParam<const char*> {};

TEST_P(HfEncoderTest, BertOutputsMatchPyTorchAtTwoLengths) {
  for (const char* name : {"bert_tiny", "bert_cls"}) {
    const std::string dir = case_dir(name);
    LoadedModel loaded = convert_encoder(dir);
    ASSERT_TRUE(loaded.model);
    std::unique_ptr<Session> session = make_session(*loaded.model, {GetParam(), "reference"});
    ASSERT_TRUE(session);
    for (const std::string prefix : {"", "short_"}) {
      const std::vector<float> ids = read_npy_f32(dir + "/" + prefix + "input_ids.npy");
      std::vector<float> positions(ids.size());
      for (size_t i = 0; i < positions.size(); ++i) positions[i] = static_cast<float>(i);
      set_input(*session, "input_ids", ids);
      set_input(*session, "token_type_ids", read_npy_f32(dir + "/" + prefix + "token_type_ids.npy"));
      set_input(*session, "position_ids", positions);
      ASSERT_TRUE(session->run().ok());
      const std::string label = std::string(name) + " on " + GetParam() + ", " + std::to_string(ids.size()) + " tokens,";
      if (std::string(name) == "bert_tiny") {
        EXPECT_LE(relative_error(*session, "last_hidden_state", dir + "/" + prefix + "last_hidden_state.npy",
                                 label.c_str()), 1e-4);
        EXPECT_LE(relative_error(*session, "pooler_output", dir + "/" + prefix + "pooler_output.npy", label.c_str()),
                  1e-4);
      } else {
        EXPECT_LE(relative_error(*session, "logits", dir + "/" + prefix + "logits.npy", label.c_str()), 1e-4);
      }
    }
  }
}

TEST_P(HfEncoderTest, VitLogitsMatchPyTorch) {
  const std::string dir = case_dir("vit_tiny");
  LoadedModel loaded = convert_encoder(dir);
  ASSERT_TRUE(loaded.model);
  std::unique_ptr<Session> session = make_session(*loaded.model, {GetParam(), "reference"});
  ASSERT_TRUE(session);
  set_input(*session, "pixel_values", read_npy_f32(dir + "/pixel_values.npy"));
  ASSERT_TRUE(session->run().ok());
  const std::string label = std::string("vit_tiny on ") + GetParam();
  EXPECT_LE(relative_error(*session, "logits", dir + "/logits.npy", label.c_str()), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Backends, HfEncoderTest, ::testing::Values("reference", "cpu"));

TEST(HfEncoder, RefusesWhatItCannotConvert) {
  convert::ConvertOptions options;
  options.context = 65;  // past bert_tiny's max_position_embeddings
  EXPECT_THROW(convert::import_hf(case_dir("bert_tiny"), options), convert::ConvertError);
}

}  // namespace
}  // namespace sprig::test
