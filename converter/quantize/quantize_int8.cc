#include "converter/quantize/quantize_int8.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "converter/ir/error.h"
#include "converter/quantize/weight_quantizer.h"

namespace sprig::convert {
namespace {

struct Params {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

std::shared_ptr<fb::QuantizationT> per_tensor(Params p) {
  auto q = std::make_shared<fb::QuantizationT>();
  q->scale = {p.scale};
  q->zero_point = {p.zero_point};
  return q;
}

const fb::ActivationT* fused_activation(const Node& node) {
  switch (node.type) {
    case fb::OpType::Conv2D:
      return node.options.AsConv2DOptions()->fused.get();
    case fb::OpType::FullyConnected:
      return node.options.AsFullyConnectedOptions()->fused.get();
    case fb::OpType::Add:
      return node.options.AsBinaryOptions()->fused.get();
    default:
      return nullptr;
  }
}

bool int8_activation(const fb::ActivationT* activation) {
  return activation == nullptr || activation->kind == fb::ActivationKind::None ||
         activation->kind == fb::ActivationKind::Relu || activation->kind == fb::ActivationKind::Clip;
}

// Ops that keep their input's scale and zero point.
bool passes_params_through(fb::OpType type) {
  return type == fb::OpType::MaxPool2D || type == fb::OpType::Reshape;
}

class Int8Rewriter {
 public:
  Int8Rewriter(Graph& graph, const std::map<std::string, ActivationRange>& ranges,
               const Int8QuantOptions& options)
      : graph_(graph), ranges_(ranges), keep_(options.keep_float.begin(), options.keep_float.end()) {}

  std::vector<LayerQuantReport> run() {
    const size_t value_count = graph_.values.size();
    params_.assign(value_count, Params());
    int8_.assign(value_count, false);
    weight_only_.assign(value_count, false);
    for (size_t v = 0; v < value_count; ++v)
      weight_only_[v] = graph_.values[v].is_constant && read_only_as_weight(graph_, static_cast<int>(v));
    std::vector<Node> nodes = std::move(graph_.nodes);
    graph_.nodes.clear();
    for (Node& node : nodes) {
      if (node.dead) continue;
      LayerQuantReport layer = describe(node);
      const std::string why = float_reason(node);
      if (why.empty()) {
        emit_int8(node, &layer);
        layer.scheme = "int8";
      } else {
        emit_float(node);
        layer.scheme = "float (" + why + ")";
      }
      report_.push_back(layer);
    }
    for (int& output : graph_.outputs) output = dequantized_output(output);
    for (const std::string& name : keep_)
      if (!matched_.count(name))
        fail(Code::kInvalidArgument, "--keep-float " + name + " names no node or value");
    graph_.compact();
    return report_;
  }

 private:
  LayerQuantReport describe(const Node& node) const {
    LayerQuantReport layer;
    layer.layer = node.name;
    layer.op = fb::EnumNameOpType(node.type);
    layer.weight_snr_db = std::numeric_limits<double>::infinity();
    if (has_weights(node))
      layer.bytes_before = layer.bytes_after = stored_bytes(value(node.inputs[1]));
    return layer;
  }

  static bool has_weights(const Node& node) {
    return (node.type == fb::OpType::Conv2D || node.type == fb::OpType::FullyConnected) &&
           node.inputs.size() >= 2;
  }

  Value& value(int v) { return graph_.values[static_cast<size_t>(v)]; }
  const Value& value(int v) const { return graph_.values[static_cast<size_t>(v)]; }
  bool has_range(int v) const { return int8_[static_cast<size_t>(v)] || ranges_.count(value(v).name); }

  bool kept(const Node& node) {
    bool kept = false;
    for (const std::string& name : {node.name, value(node.outputs[0]).name})
      if (keep_.count(name)) {
        matched_.insert(name);
        kept = true;
      }
    return kept;
  }

  // Empty when `node` runs int8, else why not.
  std::string float_reason(const Node& node) {
    if (node.outputs.size() != 1) return "no int8 form";
    if (kept(node)) return "--keep-float";
    const int x = node.inputs.empty() ? -1 : node.inputs[0];
    switch (node.type) {
      case fb::OpType::Conv2D:
      case fb::OpType::FullyConnected: {
        if (!has_weights(node)) return "no weights";
        const Value& w = value(node.inputs[1]);
        if (!w.is_constant || w.shape.empty() ||
            (w.dtype != fb::DType::F32 && w.dtype != fb::DType::F16) ||
            !weight_only_[static_cast<size_t>(node.inputs[1])])
          return "weight not a constant read only as a weight";
        if (node.inputs.size() > 2 && node.inputs[2] >= 0 && !value(node.inputs[2]).is_constant)
          return "bias not a constant";
        break;
      }
      case fb::OpType::Add:
        if (!has_range(node.inputs[1])) return "input not calibrated";
        break;
      case fb::OpType::GlobalAveragePool:
        break;
      case fb::OpType::MaxPool2D:
      case fb::OpType::Reshape:
        if (x < 0 || !int8_[static_cast<size_t>(x)]) return "input is float";
        return "";
      default:
        return "no int8 form";
    }
    if (!int8_activation(fused_activation(node))) return "fused activation has no int8 form";
    if (x < 0 || !has_range(x) || !ranges_.count(value(node.outputs[0]).name))
      return "not calibrated";
    return "";
  }

  Params calibrated(int v) const {
    Params p;
    int8_params_for(ranges_.at(value(v).name), &p.scale, &p.zero_point);
    return p;
  }

  // The I8 form of activation `v`: itself when int8 already, else a Quantize of it (one per value).
  int int8_input(int v) {
    if (int8_[static_cast<size_t>(v)]) return v;
    auto found = quantized_.find(v);
    if (found != quantized_.end()) return found->second;
    const Params p = calibrated(v);
    const int q = graph_.add_value(graph_.unique_name(value(v).name + "/quantized"),
                                   fb::DType::I8, value(v).shape);
    mark_int8(q, p);
    Node node;
    node.type = fb::OpType::Quantize;
    node.inputs = {v};
    node.outputs = {q};
    node.options.Set(fb::QuantizeOptionsT());
    node.name = value(q).name;
    graph_.nodes.push_back(std::move(node));
    quantized_[v] = q;
    return q;
  }

  void mark_int8(int v, Params p) {
    if (static_cast<size_t>(v) >= int8_.size()) {
      int8_.resize(static_cast<size_t>(v) + 1, false);
      params_.resize(static_cast<size_t>(v) + 1);
    }
    int8_[static_cast<size_t>(v)] = true;
    params_[static_cast<size_t>(v)] = p;
    value(v).dtype = fb::DType::I8;
    value(v).quantization = per_tensor(p);
  }

  // The F32 form of `v` for a float reader: itself when float, else a Dequantize of it.
  int float_input(int v) {
    if (static_cast<size_t>(v) >= int8_.size() || !int8_[static_cast<size_t>(v)]) return v;
    auto found = dequantized_.find(v);
    if (found != dequantized_.end()) return found->second;
    const int f = graph_.add_value(graph_.unique_name(value(v).name + "/dequantized"),
                                   fb::DType::F32, value(v).shape);
    Node node;
    node.type = fb::OpType::Dequantize;
    node.inputs = {v};
    node.outputs = {f};
    node.options.Set(fb::DequantizeOptionsT());
    node.name = value(f).name;
    graph_.nodes.push_back(std::move(node));
    dequantized_[v] = f;
    return f;
  }

  // A graph output that became I8: the Dequantize writes an F32 value under the output's name.
  int dequantized_output(int v) {
    if (!int8_[static_cast<size_t>(v)]) return v;
    const std::string name = value(v).name;
    value(v).name = graph_.unique_name(name + "/int8");
    const int f = float_input(v);
    value(f).name = name;
    graph_.nodes.back().name = name + "/dequantize";
    return f;
  }

  void emit_float(Node& node) {
    for (int& input : node.inputs)
      if (input >= 0 && !value(input).is_constant) input = float_input(input);
    graph_.nodes.push_back(std::move(node));
  }

  void emit_int8(Node& node, LayerQuantReport* layer) {
    const int y = node.outputs[0];
    node.inputs[0] = int8_input(node.inputs[0]);
    if (node.type == fb::OpType::Add) node.inputs[1] = int8_input(node.inputs[1]);
    const Params x = params_[static_cast<size_t>(node.inputs[0])];
    mark_int8(y, passes_params_through(node.type) ? x : calibrated(y));
    if (has_weights(node)) quantize_weights_and_bias(node, x, layer);
    graph_.nodes.push_back(std::move(node));
  }

  void quantize_weights_and_bias(Node& node, Params x, LayerQuantReport* layer) {
    Value& w = value(node.inputs[1]);
    if (w.dtype != fb::DType::I8) {
      const std::vector<float> original = w.to_f32();
      layer->weight_snr_db = snr_db(original, to_int8(w, original));
    }
    layer->bytes_after = stored_bytes(w);
    const std::vector<float>& w_scales = w.quantization->scale;
    if (node.inputs.size() < 3 || node.inputs[2] < 0) return;
    const std::vector<float> bias = value(node.inputs[2]).to_f32();
    std::vector<int32_t> q(bias.size());
    for (size_t c = 0; c < bias.size(); ++c) {
      const double unit = static_cast<double>(x.scale) * w_scales[c];
      const double v = std::nearbyint(bias[c] / unit);
      q[c] = static_cast<int32_t>(std::min(2147483647.0, std::max(-2147483648.0, v)));
    }
    const int b = graph_.add_value(graph_.unique_name(value(node.inputs[2]).name + "/int32"),
                                   fb::DType::I32, value(node.inputs[2]).shape);
    value(b).is_constant = true;
    value(b).data.resize(q.size() * sizeof(int32_t));
    if (!q.empty()) std::memcpy(value(b).data.data(), q.data(), value(b).data.size());
    node.inputs[2] = b;
  }

  Graph& graph_;
  const std::map<std::string, ActivationRange>& ranges_;
  std::set<std::string> keep_, matched_;
  std::vector<Params> params_;
  std::vector<bool> int8_;
  std::vector<bool> weight_only_;  // constants read only as Conv2D / FullyConnected weights
  std::map<int, int> quantized_, dequantized_;
  std::vector<LayerQuantReport> report_;
};

}  // namespace

void int8_params_for(const ActivationRange& range, float* scale, int32_t* zero_point) {
  const double lo = std::min(0.0, static_cast<double>(range.min));
  const double hi = std::max(0.0, static_cast<double>(range.max));
  double s = (hi - lo) / 255.0;
  if (!(s > 0) || !std::isfinite(s)) s = 1.0;
  *scale = static_cast<float>(s);
  const double z = std::nearbyint(-128.0 - lo / *scale);
  *zero_point = static_cast<int32_t>(std::min(127.0, std::max(-128.0, z)));
}

std::vector<LayerQuantReport> quantize_int8(Graph& graph,
                                            const std::map<std::string, ActivationRange>& ranges,
                                            const Int8QuantOptions& options) {
  return Int8Rewriter(graph, ranges, options).run();
}

}  // namespace sprig::convert
