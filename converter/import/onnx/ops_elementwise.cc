// Add / Sub / Mul / Div (folded at import when both operands are constants, as Equal must be),
// the activations and Clip.
#include <limits>

#include "converter/import/onnx/host_ops.h"
#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

void emit_activation(Importer& im, const onnx::NodeProto& node, fb::ActivationKind kind,
                     float alpha, float beta) {
  const std::string x_name = required_input(node, 0);
  const std::string y_name = node_output(node, 0);
  fb::ActivationOptionsT options;
  options.activation = std::make_unique<fb::ActivationT>();
  options.activation->kind = kind;
  options.activation->alpha = alpha;
  options.activation->beta = beta;
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  const int x = im.value(x_name);
  im.bind_value(y_name,
                im.emit(fb::OpType::Activation, {x}, y_name, im.info(x).shape, std::move(u)));
}

float scalar_float(const HostTensor& t, const char* what) {
  if (t.numel() != 1) fail(Code::kInvalidModel, std::string(what) + " must be a scalar");
  return t.float_at(0);
}

}  // namespace

void import_binary(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string& op = node.op_type();
  const std::string a_name = required_input(node, 0);
  const std::string b_name = required_input(node, 1);
  const std::string y_name = node_output(node, 0);
  if (im.is_host(a_name) && im.is_host(b_name)) {
    const HostBinary kind = op == "Add"   ? HostBinary::kAdd
                            : op == "Sub" ? HostBinary::kSub
                            : op == "Mul" ? HostBinary::kMul
                            : op == "Div" ? HostBinary::kDiv
                                          : HostBinary::kEqual;
    im.bind_host(y_name, host_binary(kind, im.host(a_name), im.host(b_name)));
    return;
  }
  if (op == "Equal") fail(Code::kUnsupported, "only constant inputs are supported");
  const fb::OpType type = op == "Add"   ? fb::OpType::Add
                          : op == "Sub" ? fb::OpType::Sub
                          : op == "Mul" ? fb::OpType::Mul
                                        : fb::OpType::Div;
  const int a = im.value(a_name);
  const int b = im.value(b_name);
  const Dims shape = broadcast_dims(im.info(a).shape, im.info(b).shape);
  fb::OpOptionsUnion u;
  u.Set(fb::BinaryOptionsT{});
  im.bind_value(y_name, im.emit(type, {a, b}, y_name, shape, std::move(u)));
}

void import_activation(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  const std::string& op = node.op_type();
  if (op == "LeakyRelu") {
    attrs.allow({"alpha"});
    emit_activation(im, node, fb::ActivationKind::LeakyRelu, attrs.get_float("alpha", 0.01f), 0.0f);
  } else if (op == "HardSigmoid") {
    attrs.allow({"alpha", "beta"});
    emit_activation(im, node, fb::ActivationKind::HardSigmoid, attrs.get_float("alpha", 0.2f),
                    attrs.get_float("beta", 0.5f));
  } else {
    attrs.allow({});
    const fb::ActivationKind kind = op == "Relu"      ? fb::ActivationKind::Relu
                                    : op == "Sigmoid" ? fb::ActivationKind::Sigmoid
                                    : op == "Tanh"    ? fb::ActivationKind::Tanh
                                                      : fb::ActivationKind::HardSwish;
    emit_activation(im, node, kind, 0.0f, 0.0f);
  }
}

void import_clip(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string min_name = node_input(node, 1);
  const std::string max_name = node_input(node, 2);
  const float lowest = -std::numeric_limits<float>::infinity();
  const float highest = std::numeric_limits<float>::infinity();
  const float min = min_name.empty() ? lowest : scalar_float(im.host(min_name), "min");
  const float max = max_name.empty() ? highest : scalar_float(im.host(max_name), "max");
  if (min == 0.0f && max == highest)
    emit_activation(im, node, fb::ActivationKind::Relu, 0.0f, 0.0f);
  else
    emit_activation(im, node, fb::ActivationKind::Clip, min, max);
}

}  // namespace sprig::convert::onnx_import
