// Weight-only quantization: the quantizers' round trip (every weight within half a step of its
// dequantized value), the runtime's dequantization of I8 and I4 tensors against values decoded by
// hand here, the loader's checks of quantization parameters, and quantized FullyConnected and
// Conv2D graphs run on the reference backend against the float graph with the weights replaced by
// their dequantized values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "converter/ir/error.h"
#include "converter/quantize/layer_errors.h"
#include "converter/quantize/quantize_weights.h"
#include "converter/quantize/weight_quantizer.h"
#include "runtime/core/quantization.h"
#include "tests/common/test_util.h"

namespace sprig::convert {
namespace {

using test::normal_values;

int nibble_at(const std::vector<uint8_t>& packed, size_t i) {
  const int n = i % 2 == 0 ? (packed[i / 2] & 0x0F) : (packed[i / 2] >> 4);
  return n >= 8 ? n - 16 : n;
}

TEST(WeightQuantizer, Int8RowsWithinHalfAStep) {
  const int64_t rows = 5, cols = 37;
  std::vector<float> w = normal_values(rows * cols, 1);
  for (int64_t c = 0; c < cols; ++c) w[static_cast<size_t>(2 * cols + c)] = 0.0f;  // a zero row
  const Int8Rows q = quantize_int8_rows(w, rows, cols);
  ASSERT_EQ(q.scales.size(), 5u);
  EXPECT_EQ(q.scales[2], 1.0f);
  for (int64_t r = 0; r < rows; ++r) {
    float amax = 0.0f;
    for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(w[r * cols + c]));
    if (r != 2) {
      EXPECT_FLOAT_EQ(q.scales[static_cast<size_t>(r)], amax / 127.0f);
    }
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r * cols + c);
      EXPECT_GE(q.q[i], -127);
      EXPECT_EQ(q.dequantized[i], q.scales[static_cast<size_t>(r)] * q.q[i]);
      EXPECT_LE(std::fabs(w[i] - q.scales[static_cast<size_t>(r)] * q.q[i]),
                0.5f * q.scales[static_cast<size_t>(r)] * (1 + 1e-5f));
    }
  }
}

TEST(WeightQuantizer, Int4GroupsWithinHalfAStep) {
  for (bool asymmetric : {false, true}) {
    SCOPED_TRACE(asymmetric ? "asymmetric" : "symmetric");
    const int64_t group = 32;
    std::vector<float> w = normal_values(4 * group, 2);
    for (int64_t i = 0; i < group; ++i) w[static_cast<size_t>(group + i)] = 0.0f;  // zero group
    for (int64_t i = 0; i < group; ++i)  // a group of positive values only
      w[static_cast<size_t>(2 * group + i)] = 0.5f + 0.01f * static_cast<float>(i);
    const Int4Groups q = quantize_int4_groups(w, group, asymmetric);
    ASSERT_EQ(q.scales_f16.size(), 4u);
    ASSERT_EQ(q.packed.size(), w.size() / 2);
    EXPECT_EQ(q.zero_points.size(), asymmetric ? 4u : 0u);
    for (size_t i = 0; i < w.size(); ++i) {
      const size_t g = i / group;
      const float scale = f16_to_f32(q.scales_f16[g]);
      const int zero = asymmetric ? q.zero_points[g] : 0;
      const int value = nibble_at(q.packed, i);
      EXPECT_GE(value, asymmetric ? -8 : -7);
      EXPECT_LE(value, 7);
      EXPECT_EQ(q.dequantized[i], scale * static_cast<float>(value - zero));
      EXPECT_LE(std::fabs(w[i] - scale * static_cast<float>(value - zero)), 0.5f * scale * 1.001f)
          << "at " << i;
    }
  }
}

TEST(WeightQuantizer, SnrOfExactAndNoisyCopies) {
  const std::vector<float> w = {1.0f, -2.0f, 3.0f};
  EXPECT_TRUE(std::isinf(snr_db(w, w)));
  EXPECT_NEAR(snr_db({1.0f, 1.0f}, {1.5f, 0.5f}), 10.0 * std::log10(4.0), 1e-9);
}

TEST(Dequantize, PerChannelAndGroupWiseWithScaleTensors) {
  // I8 [2, 3] per channel (axis 0), zero points listed.
  const std::vector<int8_t> q8 = {1, -2, 3, 4, 5, -128};
  flatbuffers::FlatBufferBuilder fbb;
  const std::vector<float> scales = {0.5f, 2.0f};
  const std::vector<int64_t> zeros = {1, -1};
  fbb.Finish(fb::CreateQuantizationDirect(fbb, &scales, &zeros, 0));
  TensorView t;
  t.dtype = DType::I8;
  t.shape.rank = 2;
  t.shape.dims[0] = 2;
  t.shape.dims[1] = 3;
  t.data = const_cast<int8_t*>(q8.data());
  t.quantization = flatbuffers::GetRoot<fb::Quantization>(fbb.GetBufferPointer());
  std::vector<float> out(6);
  ASSERT_TRUE(dequantize_to_f32(t, out.data()).ok());
  const std::vector<float> want = {0.0f, -1.5f, 1.0f, 10.0f, 12.0f, -254.0f};
  EXPECT_EQ(out, want);

  // I4 [2, 4], groups of 2 along the last axis, F16 scales and I8 zero points in tensors.
  const std::vector<uint8_t> q4 = {0x21, 0xF8, 0x07, 0x9A};  // 1,2, -8,-1, 7,0, -6,-7
  const std::vector<uint16_t> s16 = {f32_to_f16(1.0f), f32_to_f16(0.5f), f32_to_f16(2.0f),
                                     f32_to_f16(0.25f)};
  const std::vector<int8_t> z8 = {0, -1, 3, -8};
  flatbuffers::FlatBufferBuilder fbb4;
  fb::QuantizationBuilder qb(fbb4);
  qb.add_group_size(2);
  qb.add_scale_tensor(5);
  qb.add_zero_point_tensor(6);
  fbb4.Finish(qb.Finish());
  TensorView scales_view, zeros_view, t4;
  scales_view.dtype = DType::F16;
  scales_view.shape.rank = 1;
  scales_view.shape.dims[0] = 4;
  scales_view.data = const_cast<uint16_t*>(s16.data());
  zeros_view.dtype = DType::I8;
  zeros_view.shape = scales_view.shape;
  zeros_view.data = const_cast<int8_t*>(z8.data());
  t4.dtype = DType::I4;
  t4.shape.rank = 2;
  t4.shape.dims[0] = 2;
  t4.shape.dims[1] = 4;
  t4.data = const_cast<uint8_t*>(q4.data());
  t4.quantization = flatbuffers::GetRoot<fb::Quantization>(fbb4.GetBufferPointer());
  t4.scales = &scales_view;
  t4.zero_points = &zeros_view;
  std::vector<float> out4(8);
  ASSERT_TRUE(dequantize_to_f32(t4, out4.data()).ok());
  const std::vector<float> want4 = {1.0f, 2.0f, -3.5f, 0.0f, 8.0f, -6.0f, 0.5f, 0.25f};
  EXPECT_EQ(out4, want4);
}

// x [2, K] -> FullyConnected (w [N, K], bias) -> y [2, N].
Graph fc_graph(int64_t k, int64_t n, const std::vector<float>& w, const std::vector<float>& b) {
  Graph g;
  const int x = g.add_value("x", fb::DType::F32, {2, k});
  g.inputs.push_back(x);
  const int wv = g.add_constant("fc.weight", {n, k}, w);
  const int bv = g.add_constant("fc.bias", {n}, b);
  const int y = g.add_value("y", fb::DType::F32, {2, n});
  Node node;
  node.type = fb::OpType::FullyConnected;
  node.inputs = {x, wv, bv};
  node.outputs = {y};
  node.options.Set(fb::FullyConnectedOptionsT());
  node.name = "fc";
  g.add_node(std::move(node));
  g.outputs.push_back(y);
  return g;
}

// x [1, 5, 6, C] -> Conv2D 3x3 same (w [O, 3, 3, C], bias) -> y [1, 5, 6, O].
Graph conv_graph(int64_t c, int64_t o, const std::vector<float>& w, const std::vector<float>& b) {
  Graph g;
  const int x = g.add_value("x", fb::DType::F32, {1, 5, 6, c});
  g.inputs.push_back(x);
  const int wv = g.add_constant("conv.weight", {o, 3, 3, c}, w);
  const int bv = g.add_constant("conv.bias", {o}, b);
  const int y = g.add_value("y", fb::DType::F32, {1, 5, 6, o});
  Node node;
  node.type = fb::OpType::Conv2D;
  node.inputs = {x, wv, bv};
  node.outputs = {y};
  fb::Conv2DOptionsT options;
  options.pad_top = options.pad_left = options.pad_bottom = options.pad_right = 1;
  node.options.Set(std::move(options));
  node.name = "conv";
  g.add_node(std::move(node));
  g.outputs.push_back(y);
  return g;
}

// The weights a quantized value stands for, decoded here from its bytes and scales.
std::vector<float> decode(const Value& v) {
  std::vector<float> out(static_cast<size_t>(v.numel()));
  if (v.dtype == fb::DType::I8) {
    const size_t cols = out.size() / v.quantization->scale.size();
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = v.quantization->scale[i / cols] * static_cast<float>(static_cast<int8_t>(v.data[i]));
    return out;
  }
  const size_t group = static_cast<size_t>(v.quantization->group_size);
  for (size_t i = 0; i < out.size(); ++i) {
    uint16_t bits;
    std::memcpy(&bits, v.group_scales.data() + 2 * (i / group), 2);
    const int zero =
        v.group_zero_points.empty() ? 0 : static_cast<int8_t>(v.group_zero_points[i / group]);
    out[i] = f16_to_f32(bits) * static_cast<float>(nibble_at(v.data, i) - zero);
  }
  return out;
}

void check_quantized_graph(Graph (*make)(int64_t, int64_t, const std::vector<float>&,
                                         const std::vector<float>&),
                           int64_t in, int64_t out, int64_t w_size, int64_t x_size,
                           const WeightQuantOptions& options, const char* want_scheme) {
  SCOPED_TRACE(want_scheme);
  const std::vector<float> w = normal_values(static_cast<size_t>(w_size), 3, 0.2f);
  const std::vector<float> b = normal_values(static_cast<size_t>(out), 4);
  const std::vector<float> x = normal_values(static_cast<size_t>(x_size), 5);
  Graph quantized = make(in, out, w, b);
  const std::vector<LayerQuantReport> report = quantize_weights(quantized, options);
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].scheme, want_scheme);
  EXPECT_LT(report[0].bytes_after, report[0].bytes_before);
  const Value& weight = quantized.values[static_cast<size_t>(quantized.nodes[0].inputs[1])];
  const std::vector<float> dequantized = decode(weight);
  EXPECT_NEAR(report[0].weight_snr_db, snr_db(w, dequantized), 1e-6);

  const std::vector<float> got = test::run_graph(quantized, x);
  const std::vector<float> want = test::run_graph(make(in, out, dequantized, b), x);
  ASSERT_EQ(got.size(), want.size());
  ASSERT_FALSE(got.empty());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-5f + 1e-5f * std::fabs(want[i])) << "at " << i;
}

TEST(QuantizeWeights, FullyConnectedAndConv2DRunOnTheReferenceBackend) {
  WeightQuantOptions int8;
  int8.scheme = WeightScheme::kInt8PerChannel;
  WeightQuantOptions int4 = int8;
  int4.scheme = WeightScheme::kInt4Grouped;
  WeightQuantOptions int4_asym = int4;
  int4_asym.asymmetric = true;
  WeightQuantOptions int4_g64 = int4;
  int4_g64.group_size = 64;
  check_quantized_graph(fc_graph, 128, 9, 9 * 128, 2 * 128, int8, "int8/channel");
  check_quantized_graph(fc_graph, 128, 9, 9 * 128, 2 * 128, int4, "int4/g32");
  check_quantized_graph(fc_graph, 128, 9, 9 * 128, 2 * 128, int4_asym, "int4/g32 asym");
  check_quantized_graph(fc_graph, 128, 9, 9 * 128, 2 * 128, int4_g64, "int4/g64");
  check_quantized_graph(conv_graph, 32, 7, 7 * 9 * 32, 5 * 6 * 32, int4, "int4/g32");
  check_quantized_graph(conv_graph, 12, 7, 7 * 9 * 12, 5 * 6 * 12, int4,
                        "int8/channel (last dim 12 not a multiple of 32)");
}

TEST(QuantizeWeights, KeepFloatAndBadOptions) {
  WeightQuantOptions options;
  options.scheme = WeightScheme::kInt4Grouped;
  options.keep_float = {"fc"};
  Graph g = fc_graph(64, 4, normal_values(256, 6), normal_values(4, 7));
  const std::vector<LayerQuantReport> report = quantize_weights(g, options);
  ASSERT_EQ(report.size(), 1u);
  EXPECT_EQ(report[0].scheme, "float (--keep-float)");
  EXPECT_EQ(g.values[static_cast<size_t>(g.nodes[0].inputs[1])].dtype, fb::DType::F32);

  options.keep_float = {"no_such_layer"};
  EXPECT_THROW(quantize_weights(g, options), ConvertError);
  options.keep_float.clear();
  options.group_size = 48;
  EXPECT_THROW(quantize_weights(g, options), ConvertError);
}

TEST(QuantizeWeights, LoaderRefusesBrokenScaleTensors) {
  WeightQuantOptions options;
  options.scheme = WeightScheme::kInt4Grouped;
  Graph g = fc_graph(64, 4, normal_values(256, 8), normal_values(4, 9));
  quantize_weights(g, options);
  Value& weight = g.values[static_cast<size_t>(g.nodes[0].inputs[1])];
  weight.group_scales.resize(weight.group_scales.size() - 2);  // one scale short
  const Status status = test::load_bytes_status(test::serialize(g));
  EXPECT_EQ(status.code(), Code::kInvalidModel);
  EXPECT_NE(std::string(status.message()).find("scale tensor"), std::string::npos)
      << status.message();
}

TEST(CompareOpOutputs, IdenticalAndPerturbedModels) {
  const std::vector<float> w = normal_values(9 * 64, 20, 0.2f);
  const std::vector<float> b = normal_values(9, 21);
  std::vector<float> w2 = w;
  for (size_t i = 0; i < w2.size(); i += 3) w2[i] += 0.05f;
  const std::vector<std::vector<float>> samples = load_samples("", "input", 2 * 64, 3);
  ASSERT_EQ(samples.size(), 3u);
  const std::vector<uint8_t> a = test::serialize(fc_graph(64, 9, w, b));
  const std::vector<OutputAgreement> self = compare_op_outputs(a, a, samples);
  ASSERT_EQ(self.size(), 1u);
  EXPECT_EQ(self[0].op, "fc");
  EXPECT_EQ(self[0].tensor, "y");
  EXPECT_TRUE(std::isinf(self[0].snr_db));
  EXPECT_NEAR(self[0].cosine, 1.0, 1e-12);

  const std::vector<OutputAgreement> perturbed =
      compare_op_outputs(a, test::serialize(fc_graph(64, 9, w2, b)), samples);
  ASSERT_EQ(perturbed.size(), 1u);
  double signal = 0, noise = 0, ab = 0, bb = 0;
  for (const std::vector<float>& x : samples) {
    const std::vector<float> ya = test::run_graph(fc_graph(64, 9, w, b), x);
    const std::vector<float> yb = test::run_graph(fc_graph(64, 9, w2, b), x);
    for (size_t i = 0; i < ya.size(); ++i) {
      signal += double(ya[i]) * ya[i];
      noise += (double(ya[i]) - yb[i]) * (double(ya[i]) - yb[i]);
      ab += double(ya[i]) * yb[i];
      bb += double(yb[i]) * yb[i];
    }
  }
  EXPECT_NEAR(perturbed[0].snr_db, 10.0 * std::log10(signal / noise), 1e-3);
  EXPECT_NEAR(perturbed[0].cosine, ab / std::sqrt(signal * bb), 1e-6);
  EXPECT_THROW(load_samples("/nonexistent.npy", "input", 10, 1), ConvertError);
}

// Quantized Conv2D and FullyConnected weights on the CPU backend (convolutions dequantized at
// prepare, FullyConnected read in place) against the reference backend on the same model. Where
// the FullyConnected kernels take x quantized to int8 per block of 32 (x86), the outputs may also
// differ by x's rounding, at most sum_k |w(n, k)| * max|x over k's block| / 254.
TEST(QuantizeWeights, CpuBackendRunsQuantizedLayers) {
  for (WeightScheme scheme : {WeightScheme::kInt8PerChannel, WeightScheme::kInt4Grouped}) {
    SCOPED_TRACE(scheme == WeightScheme::kInt4Grouped ? "int4" : "int8");
    WeightQuantOptions options;
    options.scheme = scheme;
    for (int kind = 0; kind < 2; ++kind) {
      Graph g =
          kind == 0
              ? conv_graph(32, 16, normal_values(16 * 9 * 32, 30, 0.2f), normal_values(16, 31))
              : fc_graph(256, 40, normal_values(40 * 256, 32, 0.1f), normal_values(40, 33));
      quantize_weights(g, options);
      const test::LoadedModel loaded = test::load_bytes(test::serialize(g));
      ASSERT_TRUE(loaded.model);
      const std::vector<float> x = normal_values(
          static_cast<size_t>(g.values[static_cast<size_t>(g.inputs[0])].numel()), 34);
      std::vector<float> results[2];
      const std::vector<std::vector<std::string>> backends = {{"reference"}, {"cpu", "reference"}};
      for (int b = 0; b < 2; ++b) {
        std::unique_ptr<Session> session = test::make_session(*loaded.model, backends[b]);
        ASSERT_TRUE(session);
        EXPECT_STREQ(session->partitions()[0].backend->name(), backends[b][0].c_str());
        std::copy(x.begin(), x.end(), session->input(0).f32());
        ASSERT_TRUE(session->run().ok());
        const TensorView& y = session->output(0);
        results[b].assign(y.f32(), y.f32() + y.shape.numel());
      }
      ASSERT_EQ(results[0].size(), results[1].size());
      std::vector<float> rounding(results[0].size(), 0.0f);
      const TensorView& w = loaded.model->tensor(loaded.model->op(0).inputs()->Get(1));
      if (kind == 1 && cpu::select_qgemv_kernels(cpu::effective_cpu_features()).q8c_q8 != nullptr) {
        const size_t n = static_cast<size_t>(w.shape[0]), k = static_cast<size_t>(w.shape[1]);
        std::vector<float> w_f32(n * k);
        ASSERT_TRUE(dequantize_to_f32(w, w_f32.data()).ok());
        for (size_t i = 0; i < rounding.size(); ++i)
          for (size_t b = 0; b < k / 32; ++b) {
            const size_t m = i / n, o = i % n;
            float amax = 0.0f, w_abs = 0.0f;
            for (size_t j = b * 32; j < b * 32 + 32; ++j) {
              amax = std::fmax(amax, std::fabs(x[m * k + j]));
              w_abs += std::fabs(w_f32[o * k + j]);
            }
            rounding[i] += w_abs * amax / 254.0f;
          }
      }
      for (size_t i = 0; i < results[0].size(); ++i)
        EXPECT_NEAR(results[1][i], results[0][i],
                    2e-5f + 2e-4f * std::fabs(results[0][i]) + rounding[i]);
    }
  }
}

// Gather tables (embeddings) quantized like weights, one row per output channel: the reference and
// CPU backends give the rows as decoded here from the stored bytes and scales.
TEST(QuantizeWeights, GatherTablesQuantizedAndReadOnBothBackends) {
  constexpr int64_t kRows = 9, kWidth = 64;
  const std::vector<float> table = normal_values(kRows * kWidth, 40, 0.3f);
  const std::vector<int32_t> indices = {8, 0, 3, 3, 5};
  WeightQuantOptions int8;
  int8.scheme = WeightScheme::kInt8PerChannel;
  WeightQuantOptions int4 = int8;
  int4.scheme = WeightScheme::kInt4Grouped;
  WeightQuantOptions int4_asym = int4;
  int4_asym.asymmetric = true;
  for (const WeightQuantOptions& options : {int8, int4, int4_asym}) {
    Graph g;
    const int t = g.add_constant("embed.weight", {kRows, kWidth}, table);
    const int ids = g.add_value("ids", fb::DType::I32, {static_cast<int64_t>(indices.size())});
    g.inputs.push_back(ids);
    const int y = g.add_value("y", fb::DType::F32, {static_cast<int64_t>(indices.size()), kWidth});
    Node node;
    node.type = fb::OpType::Gather;
    node.inputs = {t, ids};
    node.outputs = {y};
    node.options.Set(fb::GatherOptionsT());
    node.name = "embed";
    g.add_node(std::move(node));
    g.outputs.push_back(y);
    const std::vector<LayerQuantReport> report = quantize_weights(g, options);
    ASSERT_EQ(report.size(), 1u);
    SCOPED_TRACE(report[0].scheme);
    EXPECT_EQ(report[0].op, "Gather");
    EXPECT_LT(report[0].bytes_after, report[0].bytes_before / 3);
    const std::vector<float> decoded = decode(g.values[static_cast<size_t>(t)]);
    const test::LoadedModel loaded = test::load_bytes(test::serialize(g));
    ASSERT_TRUE(loaded.model);
    for (const std::vector<std::string>& backends : {std::vector<std::string>{"reference"},
                                                     std::vector<std::string>{"cpu", "reference"}}) {
      std::unique_ptr<Session> session = test::make_session(*loaded.model, backends);
      ASSERT_TRUE(session);
      EXPECT_STREQ(session->partitions()[0].backend->name(), backends[0].c_str());
      std::copy(indices.begin(), indices.end(), session->input(0).as<int32_t>());
      ASSERT_TRUE(session->run().ok());
      const float* out = session->output(0).f32();
      for (size_t i = 0; i < indices.size(); ++i)
        for (int64_t j = 0; j < kWidth; ++j)
          ASSERT_EQ(out[i * kWidth + j], decoded[static_cast<size_t>(indices[i] * kWidth + j)])
              << backends[0] << " row " << i << " col " << j;
    }
  }
}

}  // namespace
}  // namespace sprig::convert
