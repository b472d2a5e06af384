#include "converter/quantize/quantize_weights.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "converter/ir/error.h"
#include "converter/quantize/weight_quantizer.h"
#include "runtime/core/tensor.h"

namespace sprig::convert {

int weight_input(fb::OpType type) {
  switch (type) {
    case fb::OpType::Conv2D:
    case fb::OpType::FullyConnected:
      return 1;
    case fb::OpType::Gather:
      return 0;
    default:
      return -1;
  }
}

bool read_only_as_weight(const Graph& graph, int v) {
  if (graph.is_graph_output(v)) return false;
  for (int n : graph.consumers(v)) {
    const Node& node = graph.nodes[static_cast<size_t>(n)];
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (node.inputs[i] == v && static_cast<int>(i) != weight_input(node.type)) return false;
    if (weight_input(node.type) < 0) return false;
  }
  return true;
}

namespace {

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

std::vector<float> to_int8(Value& value, const std::vector<float>& w) {
  const int64_t rows = value.shape[0];
  const int64_t cols = rows > 0 ? value.numel() / rows : 0;
  const Int8Rows q = quantize_int8_rows(w, rows, cols);
  value.dtype = fb::DType::I8;
  value.data = bytes_of(q.q);
  value.quantization = std::make_shared<fb::QuantizationT>();
  value.quantization->axis = 0;
  value.quantization->scale = q.scales;
  return q.dequantized;
}

namespace {

std::vector<float> to_int4(Value& value, const std::vector<float>& w, int group_size,
                           bool asymmetric) {
  const Int4Groups q = quantize_int4_groups(w, group_size, asymmetric);
  value.dtype = fb::DType::I4;
  value.data = q.packed;
  value.quantization = std::make_shared<fb::QuantizationT>();
  value.quantization->group_size = group_size;
  value.group_scales = bytes_of(q.scales_f16);
  value.group_zero_points = bytes_of(q.zero_points);
  return q.dequantized;
}

// Adds to node n's bias the mean output shift of weights w rounded to wq (bias_correction.h);
// false when the layer's bias cannot take it alone or its mean input was not measured.
bool correct_bias(Graph& graph, int n, const std::vector<float>& w, const std::vector<float>& wq,
                  const MeanInputs& means) {
  Node& node = graph.nodes[static_cast<size_t>(n)];
  const int weight = node.inputs[1];
  const Value& value = graph.values[static_cast<size_t>(weight)];
  auto mean = means.find(value.name);
  if (mean == means.end() || graph.consumers(weight).size() != 1) return false;
  const int64_t out_channels = value.shape[0];
  const int groups = node.type == fb::OpType::Conv2D ? node.options.AsConv2DOptions()->groups : 1;
  const int64_t channels_per_group = value.shape.back();
  if (static_cast<int64_t>(mean->second.size()) != (value.numel() / out_channels) * groups)
    return false;
  const std::vector<float> shift =
      output_mean_shift(w, wq, out_channels, channels_per_group, groups, mean->second);
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  if (!has_bias) {
    const int bias = graph.add_constant(graph.unique_name(node.name + "_bias"), {out_channels},
                                        shift);
    graph.nodes[static_cast<size_t>(n)].inputs.resize(3);
    graph.nodes[static_cast<size_t>(n)].inputs[2] = bias;
    return true;
  }
  Value& bias = graph.values[static_cast<size_t>(node.inputs[2])];
  if (!bias.is_constant || bias.dtype != fb::DType::F32 || bias.numel() != out_channels ||
      graph.consumers(node.inputs[2]).size() != 1 || graph.is_graph_output(node.inputs[2]))
    return false;
  std::vector<float> b = bias.to_f32();
  for (size_t i = 0; i < b.size(); ++i) b[i] += shift[i];
  bias.data = bytes_of(b);
  return true;
}

}  // namespace

size_t stored_bytes(const Value& value) {
  return tensor_bytes(value.dtype, value.numel()) + value.group_scales.size() +
         value.group_zero_points.size() +
         (value.quantization ? value.quantization->scale.size() * sizeof(float) : 0);
}

std::vector<LayerQuantReport> quantize_weights(Graph& graph, const WeightQuantOptions& options) {
  std::vector<LayerQuantReport> report;
  if (options.scheme == WeightScheme::kNone) return report;
  const int g = options.group_size;
  if (options.scheme == WeightScheme::kInt4Grouped && g != 32 && g != 64 && g != 128)
    fail(Code::kInvalidArgument, "group size " + std::to_string(g) + " is not 32, 64 or 128");
  std::set<std::string> keep(options.keep_float.begin(), options.keep_float.end());
  std::set<std::string> matched;
  std::set<int> done;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    if (node.dead || node.inputs.size() < 2 || weight_input(node.type) < 0) continue;
    const int v = node.inputs[static_cast<size_t>(weight_input(node.type))];
    Value& value = graph.values[static_cast<size_t>(v)];
    LayerQuantReport layer;
    layer.layer = node.name;
    layer.op = fb::EnumNameOpType(node.type);
    layer.bytes_before = layer.bytes_after = stored_bytes(value);
    layer.weight_snr_db = std::numeric_limits<double>::infinity();
    const bool kept = keep.count(node.name) || keep.count(value.name);
    if (keep.count(node.name)) matched.insert(node.name);
    if (keep.count(value.name)) matched.insert(value.name);
    if (done.count(v)) continue;  // shared weight, quantized once
    if (kept) {
      layer.scheme = "float (--keep-float)";
    } else if (!value.is_constant ||
               (value.dtype != fb::DType::F32 && value.dtype != fb::DType::F16) ||
               value.shape.empty() || !read_only_as_weight(graph, v)) {
      layer.scheme = "float (weight not a constant read only as a weight)";
    } else {
      const std::vector<float> w = value.to_f32();
      std::vector<float> back;
      if (options.scheme == WeightScheme::kInt4Grouped && value.shape.back() % g == 0) {
        back = to_int4(value, w, g, options.asymmetric);
        layer.scheme = "int4/g" + std::to_string(g) + (options.asymmetric ? " asym" : "");
      } else {
        back = to_int8(value, w);
        layer.scheme = options.scheme == WeightScheme::kInt4Grouped
                           ? "int8/channel (last dim " + std::to_string(value.shape.back()) +
                                 " not a multiple of " + std::to_string(g) + ")"
                           : "int8/channel";
      }
      layer.bytes_after = stored_bytes(value);
      layer.weight_snr_db = snr_db(w, back);
      done.insert(v);
      if (options.mean_inputs != nullptr && node.type != fb::OpType::Gather &&
          correct_bias(graph, static_cast<int>(n), w, back, *options.mean_inputs))
        layer.scheme += ", bias corrected";
    }
    report.push_back(layer);
  }
  for (const std::string& name : keep)
    if (!matched.count(name))
      fail(Code::kInvalidArgument,
           "--keep-float " + name + " names no Conv2D, FullyConnected or Gather layer or weight");
  return report;
}

void attach_output_agreement(const std::vector<OutputAgreement>& agreement,
                             std::vector<LayerQuantReport>* report) {
  std::vector<bool> used(agreement.size(), false);
  for (LayerQuantReport& layer : *report)
    for (size_t i = 0; i < agreement.size(); ++i)
      if (!used[i] && agreement[i].op == layer.layer && agreement[i].op_type == layer.op) {
        layer.output_cosine = agreement[i].cosine;
        layer.output_snr_db = agreement[i].snr_db;
        used[i] = true;
        break;
      }
}

std::string format_quant_report(const std::vector<LayerQuantReport>& report,
                                const std::vector<OutputAgreement>& outputs) {
  size_t width = 5;
  for (const auto& layer : report) width = std::max(width, layer.layer.size());
  for (const auto& output : outputs) width = std::max(width, output.tensor.size() + 8);
  const int w = static_cast<int>(width);
  std::string text;
  char line[768];
  std::snprintf(line, sizeof(line), "%-*s  %-14s  %12s  %12s  %9s  %10s  %9s  %s\n", w, "layer",
                "op", "bytes before", "bytes after", "w SNR dB", "out cosine", "out SNR", "scheme");
  text += line;
  size_t before = 0, after = 0;
  for (const auto& layer : report) {
    std::snprintf(line, sizeof(line), "%-*s  %-14s  %12zu  %12zu  %9.1f  %10.6f  %9.1f  %s\n", w,
                  layer.layer.c_str(), layer.op.c_str(), layer.bytes_before, layer.bytes_after,
                  layer.weight_snr_db, layer.output_cosine, layer.output_snr_db,
                  layer.scheme.c_str());
    text += line;
    before += layer.bytes_before;
    after += layer.bytes_after;
  }
  std::snprintf(line, sizeof(line), "%-*s  %-14s  %12zu  %12zu\n", w, "all layers", "", before,
                after);
  text += line;
  for (const auto& output : outputs) {
    std::snprintf(line, sizeof(line), "%-*s  %-14s  %12s  %12s  %9s  %10.6f  %9.1f\n", w,
                  ("output " + output.tensor).c_str(), "", "", "", "", output.cosine,
                  output.snr_db);
    text += line;
  }
  return text;
}

namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

std::string quant_report_json(const std::vector<LayerQuantReport>& report,
                              const std::vector<OutputAgreement>& outputs) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : report)
    layers.push_back({{"layer", layer.layer},
                      {"op", layer.op},
                      {"scheme", layer.scheme},
                      {"weight_bytes_before", layer.bytes_before},
                      {"weight_bytes_after", layer.bytes_after},
                      {"weight_snr_db", number_or_null(layer.weight_snr_db)},
                      {"output_cosine", number_or_null(layer.output_cosine)},
                      {"output_snr_db", number_or_null(layer.output_snr_db)}});
  nlohmann::json model_outputs = nlohmann::json::array();
  for (const auto& output : outputs)
    model_outputs.push_back({{"tensor", output.tensor},
                             {"cosine", number_or_null(output.cosine)},
                             {"snr_db", number_or_null(output.snr_db)}});
  return nlohmann::json{{"layers", layers}, {"outputs", model_outputs}}.dump(2) + "\n";
}

}  // namespace sprig::convert
