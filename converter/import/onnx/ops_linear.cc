// Gemm and MatMul. With a constant right operand they become FullyConnected (weights [N, K]; Gemm's
// transB, alpha and a bias-like C folded into the constants); otherwise MatMul.
#include "converter/import/onnx/host_ops.h"
#include "converter/import/onnx/op_importers.h"
#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {
namespace {

fb::OpOptionsUnion fully_connected_options() {
  fb::OpOptionsUnion u;
  u.Set(fb::FullyConnectedOptionsT{});
  return u;
}

fb::OpOptionsUnion binary_options() {
  fb::OpOptionsUnion u;
  u.Set(fb::BinaryOptionsT{});
  return u;
}

HostTensor scaled(HostTensor t, float scale) {
  t.floats = t.as_floats();
  t.elem_type = onnx::TensorProto::FLOAT;
  if (scale != 1.0f)
    for (float& f : t.floats) f *= scale;
  return t;
}

int scalar_constant(Importer& im, const std::string& name, float value) {
  return im.add_constant(name, float_tensor({}, {value}));
}

// y + beta * C, where C broadcasts to y's [M, N].
int add_c(Importer& im, int y, const std::string& c_name, float beta, const std::string& out_name) {
  const Dims y_shape = im.info(y).shape;
  int c;
  if (im.is_host(c_name)) {
    c = im.add_constant(c_name, scaled(im.host(c_name), beta));
  } else {
    c = im.value(c_name);
    if (beta != 1.0f)
      c = im.emit(fb::OpType::Mul, {c, scalar_constant(im, c_name + "_beta", beta)},
                  c_name + "_scaled", im.info(c).shape, binary_options());
  }
  const Dims out = broadcast_dims(y_shape, im.info(c).shape);
  if (out != y_shape)
    fail(Code::kInvalidModel,
         "C " + dims_text(im.info(c).shape) + " does not broadcast to " + dims_text(y_shape));
  return im.emit(fb::OpType::Add, {y, c}, out_name, out, binary_options());
}

Dims matmul_shape(const Dims& a, const Dims& b) {
  if (a.empty() || b.empty()) fail(Code::kInvalidModel, "MatMul of a scalar");
  const int64_t ka = a.back();
  const int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
  if (ka != kb)
    fail(Code::kInvalidModel,
         "MatMul shapes " + dims_text(a) + " and " + dims_text(b) + " do not match");
  const Dims batch_a(a.begin(), a.size() > 2 ? a.end() - 2 : a.begin());
  const Dims batch_b(b.begin(), b.size() > 2 ? b.end() - 2 : b.begin());
  Dims out = broadcast_dims(batch_a, batch_b);
  if (a.size() >= 2) out.push_back(a[a.size() - 2]);
  if (b.size() >= 2) out.push_back(b.back());
  return out;
}

}  // namespace

void import_gemm(Importer& im, const onnx::NodeProto& node) {
  const Attributes attrs(node);
  attrs.allow({"alpha", "beta", "transA", "transB"});
  const float alpha = attrs.get_float("alpha", 1.0f);
  const float beta = attrs.get_float("beta", 1.0f);
  const bool trans_a = attrs.get_int("transA", 0) != 0;
  const bool trans_b = attrs.get_int("transB", 0) != 0;
  const std::string a_name = required_input(node, 0);
  const std::string b_name = required_input(node, 1);
  const std::string c_name = node_input(node, 2);
  const std::string y_name = node_output(node, 0);
  const Dims a_shape = im.shape_of(a_name);
  const Dims b_shape = im.shape_of(b_name);
  if (a_shape.size() != 2 || b_shape.size() != 2)
    fail(Code::kInvalidModel,
         "Gemm takes 2-D inputs, got " + dims_text(a_shape) + " and " + dims_text(b_shape));

  int a = im.value(a_name);
  if (trans_a) a = im.emit_transpose(a, {1, 0}, a_name + "_t");
  const int64_t m = im.info(a).shape[0];
  const int64_t k = im.info(a).shape[1];
  const int64_t n = trans_b ? b_shape[0] : b_shape[1];
  if ((trans_b ? b_shape[1] : b_shape[0]) != k)
    fail(Code::kInvalidModel,
         "Gemm shapes " + dims_text(a_shape) + " and " + dims_text(b_shape) + " do not match");

  const bool has_c = !c_name.empty();
  if (im.is_host(b_name)) {
    HostTensor w = scaled(im.host(b_name), alpha);
    if (!trans_b) w = host_transpose(w, {1, 0});
    std::vector<int> inputs = {a, im.add_constant(b_name, w)};
    bool c_is_bias = false;
    if (has_c && im.is_host(c_name)) {
      const Dims c_shape = im.shape_of(c_name);
      c_is_bias = broadcast_dims(c_shape, {1, n}) == Dims{1, n};
      if (c_is_bias) {
        const HostTensor bias = host_expand(scaled(im.host(c_name), beta), {n});
        inputs.push_back(im.add_constant(c_name, host_reshape(bias, {n})));
      }
    }
    if (!has_c || c_is_bias) {
      im.bind_value(y_name, im.emit(fb::OpType::FullyConnected, inputs, y_name, {m, n},
                                    fully_connected_options()));
      return;
    }
    const int y = im.emit(fb::OpType::FullyConnected, inputs, y_name + "_fc", {m, n},
                          fully_connected_options());
    im.bind_value(y_name, add_c(im, y, c_name, beta, y_name));
    return;
  }

  int b = im.value(b_name);
  if (trans_b) b = im.emit_transpose(b, {1, 0}, b_name + "_t");
  const bool more = alpha != 1.0f || has_c;
  int y = im.emit(fb::OpType::MatMul, {a, b}, more ? y_name + "_mm" : y_name, {m, n}, [] {
    fb::OpOptionsUnion u;
    u.Set(fb::MatMulOptionsT{});
    return u;
  }());
  if (alpha != 1.0f)
    y = im.emit(fb::OpType::Mul, {y, scalar_constant(im, y_name + "_alpha", alpha)},
                has_c ? y_name + "_scaled" : y_name, {m, n}, binary_options());
  if (has_c) y = add_c(im, y, c_name, beta, y_name);
  im.bind_value(y_name, y);
}

void import_matmul(Importer& im, const onnx::NodeProto& node) {
  Attributes(node).allow({});
  const std::string a_name = required_input(node, 0);
  const std::string b_name = required_input(node, 1);
  const std::string y_name = node_output(node, 0);
  const Dims a_shape = im.shape_of(a_name);
  const Dims b_shape = im.shape_of(b_name);
  const Dims y_shape = matmul_shape(a_shape, b_shape);
  if (im.is_host(b_name) && b_shape.size() == 2 && !im.is_host(a_name)) {
    const int w = im.cached_constant(b_name + "#fc", [&] {
      return im.add_constant(b_name, host_transpose(scaled(im.host(b_name), 1.0f), {1, 0}));
    });
    im.bind_value(y_name, im.emit(fb::OpType::FullyConnected, {im.value(a_name), w}, y_name,
                                  y_shape, fully_connected_options()));
    return;
  }
  fb::OpOptionsUnion u;
  u.Set(fb::MatMulOptionsT{});
  im.bind_value(y_name, im.emit(fb::OpType::MatMul, {im.value(a_name), im.value(b_name)}, y_name,
                                y_shape, std::move(u)));
}

}  // namespace sprig::convert::onnx_import
