#include "runtime/ops/op_check.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "runtime/core/quantization.h"
#include "runtime/ops/int8_op_check.h"

namespace sprig {
namespace {

using fb::OpOptions;
using fb::OpType;

// Keeps byte sizes of every dtype (up to 64 bits per element) inside int64_t.
constexpr int64_t kMaxElements = int64_t{1} << 56;

bool mul_i64(int64_t a, int64_t b, int64_t* result) {
  return !__builtin_mul_overflow(a, b, result);
}
bool add_i64(int64_t a, int64_t b, int64_t* result) {
  return !__builtin_add_overflow(a, b, result);
}

bool checked_numel(const Shape& shape, int64_t* numel) {
  int64_t n = 1;
  for (int i = 0; i < shape.rank; ++i)
    if (!mul_i64(n, shape.dims[i], &n) || n > kMaxElements) return false;
  *numel = n;
  return true;
}

// Number of windows of a conv or pool along one axis without ceil mode:
// floor((in + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1.
// False on overflow or when the window does not fit in the padded input.
bool floor_window_count(int64_t in, int64_t pad_begin, int64_t pad_end, int64_t kernel,
                        int64_t stride, int64_t dilation, int64_t* count) {
  int64_t padded, extent;
  if (!add_i64(in, pad_begin, &padded) || !add_i64(padded, pad_end, &padded)) return false;
  if (!mul_i64(dilation, kernel - 1, &extent) || !add_i64(extent, 1, &extent)) return false;
  if (padded < extent) return false;
  *count = (padded - extent) / stride + 1;
  return true;
}

struct ShapeText {
  explicit ShapeText(const Shape& shape) { shape.format(text, sizeof(text)); }
  char text[200];
};

struct OpRule {
  int min_inputs;
  int max_inputs;  // -1: unbounded
  OpOptions options;
};

// Indexed by OpType.
constexpr OpRule kOpRules[] = {
    {2, 3, OpOptions::Conv2DOptions},             // Conv2D
    {2, 3, OpOptions::FullyConnectedOptions},     // FullyConnected
    {2, 2, OpOptions::MatMulOptions},             // MatMul
    {5, 5, OpOptions::BatchNormOptions},          // BatchNorm
    {2, 2, OpOptions::BinaryOptions},             // Add
    {2, 2, OpOptions::BinaryOptions},             // Sub
    {2, 2, OpOptions::BinaryOptions},             // Mul
    {2, 2, OpOptions::BinaryOptions},             // Div
    {1, 1, OpOptions::ActivationOptions},         // Activation
    {1, 1, OpOptions::Pool2DOptions},             // MaxPool2D
    {1, 1, OpOptions::Pool2DOptions},             // AveragePool2D
    {1, 1, OpOptions::GlobalAveragePoolOptions},  // GlobalAveragePool
    {1, 1, OpOptions::ReduceMeanOptions},         // ReduceMean
    {1, 1, OpOptions::SoftmaxOptions},            // Softmax
    {1, 1, OpOptions::ReshapeOptions},            // Reshape
    {1, -1, OpOptions::ConcatOptions},            // Concat
    {1, 1, OpOptions::TransposeOptions},          // Transpose
    {1, 1, OpOptions::PadOptions},                // Pad
    {1, 1, OpOptions::SliceOptions},              // Slice
    {1, 1, OpOptions::QuantizeOptions},           // Quantize
    {1, 1, OpOptions::DequantizeOptions},         // Dequantize
    {2, 2, OpOptions::GatherOptions},             // Gather
    {2, 2, OpOptions::RmsNormOptions},            // RmsNorm
    {2, 3, OpOptions::LayerNormOptions},          // LayerNorm
    {3, 3, OpOptions::RopeOptions},               // Rope
    {3, 6, OpOptions::AttentionOptions},          // Attention
};
static_assert(sizeof(kOpRules) / sizeof(kOpRules[0]) == static_cast<size_t>(OpType::MAX) + 1,
              "one rule per op type");

bool op_rule(OpType type, OpRule* rule) {
  const size_t index = static_cast<size_t>(type);
  if (index >= sizeof(kOpRules) / sizeof(kOpRules[0])) return false;
  *rule = kOpRules[index];
  return true;
}

const char* input_role(OpType type, int index) {
  static const char* const kConv[] = {"input", "weights", "bias"};
  static const char* const kPair[] = {"a", "b"};
  static const char* const kBatchNorm[] = {"input", "scale", "bias", "mean", "var"};
  static const char* const kGather[] = {"table", "indices"};
  static const char* const kNorm[] = {"input", "weight", "bias"};
  static const char* const kRope[] = {"input", "positions", "inv_freq"};
  static const char* const kAttention[] = {"q", "k", "v", "k_cache", "v_cache", "positions"};
  switch (type) {
    case OpType::Gather:
      return index < 2 ? kGather[index] : nullptr;
    case OpType::RmsNorm:
    case OpType::LayerNorm:
      return index < 3 ? kNorm[index] : nullptr;
    case OpType::Rope:
      return index < 3 ? kRope[index] : nullptr;
    case OpType::Attention:
      return index < 6 ? kAttention[index] : nullptr;
    case OpType::Conv2D:
    case OpType::FullyConnected:
      return index < 3 ? kConv[index] : nullptr;
    case OpType::MatMul:
    case OpType::Add:
    case OpType::Sub:
    case OpType::Mul:
    case OpType::Div:
      return index < 2 ? kPair[index] : nullptr;
    case OpType::BatchNorm:
      return index < 5 ? kBatchNorm[index] : nullptr;
    default:
      return nullptr;
  }
}

// Conv2D/FullyConnected weights and bias, MatMul's b and BatchNorm's parameters may be stored in
// F16 or BF16, and the weights themselves (is_quantizable_weight) quantized; everything else is an
// F32 activation.
bool is_weight_input(OpType type, int index) {
  switch (type) {
    case OpType::Conv2D:
    case OpType::FullyConnected:
      return index >= 1;
    case OpType::MatMul:
      return index == 1;
    case OpType::BatchNorm:
    case OpType::RmsNorm:
    case OpType::LayerNorm:
      return index >= 1;
    case OpType::Gather:
      return index == 0;
    default:
      return false;
  }
}

// Integer index inputs (I32): Gather's indices, Rope's and Attention's positions.
bool is_index_input(OpType type, int index) {
  return (type == OpType::Gather && index == 1) || (type == OpType::Rope && index == 1) ||
         (type == OpType::Attention && index == 5);
}

// Attention's KV caches: F32 or F16.
bool is_cache_input(OpType type, int index) {
  return type == OpType::Attention && (index == 3 || index == 4);
}

// Conv2D/FullyConnected weights, MatMul's b and Gather's table: I8, U8 or I4 with a quantization.
bool is_quantizable_weight(OpType type, int index) {
  return ((type == OpType::Conv2D || type == OpType::FullyConnected) && index == 1) ||
         (type == OpType::MatMul && index == 1) || (type == OpType::Gather && index == 0);
}

bool activation_kind_valid(fb::ActivationKind kind) {
  return static_cast<int>(kind) >= static_cast<int>(fb::ActivationKind::MIN) &&
         static_cast<int>(kind) <= static_cast<int>(fb::ActivationKind::MAX);
}

class OpChecker {
 public:
  explicit OpChecker(const OpSignature& signature)
      : sig_(signature), op_(*signature.op), type_(signature.op->type()) {}

  Status check() {
    OpRule rule;
    if (!op_rule(type_, &rule))
      return fail(Code::kInvalidModel, "unknown op type %d", static_cast<int>(type_));
    SPRIG_RETURN_IF_ERROR(check_counts(rule));
    SPRIG_RETURN_IF_ERROR(check_options_type(rule));
    SPRIG_RETURN_IF_ERROR(check_tensors());
    SPRIG_RETURN_IF_ERROR(is_int8_op(sig_) ? check_int8() : check_dtypes());
    switch (type_) {
      case OpType::Conv2D:
        return check_conv2d();
      case OpType::FullyConnected:
        return check_fully_connected();
      case OpType::MatMul:
        return check_matmul();
      case OpType::BatchNorm:
        return check_batch_norm();
      case OpType::Add:
      case OpType::Sub:
      case OpType::Mul:
      case OpType::Div:
        return check_binary();
      case OpType::Activation:
        return check_activation_op();
      case OpType::MaxPool2D:
      case OpType::AveragePool2D:
        return check_pool2d();
      case OpType::GlobalAveragePool:
        return check_global_average_pool();
      case OpType::ReduceMean:
        return check_reduce_mean();
      case OpType::Softmax:
        return check_softmax();
      case OpType::Reshape:
        return check_reshape();
      case OpType::Concat:
        return check_concat();
      case OpType::Transpose:
        return check_transpose();
      case OpType::Pad:
        return check_pad();
      case OpType::Slice:
        return check_slice();
      case OpType::Quantize:
      case OpType::Dequantize:
        return check_output(in(0).shape);
      case OpType::Gather:
        return check_gather();
      case OpType::RmsNorm:
      case OpType::LayerNorm:
        return check_norm();
      case OpType::Rope:
        return check_rope();
      case OpType::Attention:
        return check_attention();
    }
    return Status::ok_status();
  }

 private:
  struct Label {
    char text[48];
  };

  Status fail(Code code, const char* format, ...) const __attribute__((format(printf, 3, 4))) {
    char text[Status::kMaxMessage];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof(text), format, args);
    va_end(args);
    const char* name = op_.name() ? op_.name()->c_str() : "";
    if (name[0] != '\0')
      return Status::error(code, "op '%.80s' (%s): %s", name, op_display_name(op_), text);
    return Status::error(code, "op %s: %s", op_display_name(op_), text);
  }

  Label input_label(int index) const {
    Label label;
    const char* role = input_role(type_, index);
    if (role)
      std::snprintf(label.text, sizeof(label.text), "input %d (%s)", index, role);
    else
      std::snprintf(label.text, sizeof(label.text), "input %d", index);
    return label;
  }

  const TensorView& in(int index) const { return *sig_.inputs[index]; }
  const TensorView& out(int index) const { return *sig_.outputs[index]; }
  // Conv2D/FullyConnected bias: absent when there are two inputs or the third is null.
  const TensorView* bias() const { return sig_.num_inputs > 2 ? sig_.inputs[2] : nullptr; }
  bool optional_input(int index) const {
    return index == 2 && (type_ == OpType::Conv2D || type_ == OpType::FullyConnected);
  }

  Status check_counts(const OpRule& rule) const {
    const int n = sig_.num_inputs;
    if (n < rule.min_inputs || (rule.max_inputs >= 0 && n > rule.max_inputs)) {
      if (rule.max_inputs < 0)
        return fail(Code::kInvalidModel, "has %d inputs, expected at least %d", n, rule.min_inputs);
      if (rule.min_inputs == rule.max_inputs)
        return fail(Code::kInvalidModel, "has %d inputs, expected %d", n, rule.min_inputs);
      return fail(Code::kInvalidModel, "has %d inputs, expected %d to %d", n, rule.min_inputs,
                  rule.max_inputs);
    }
    if (sig_.num_outputs != 1)
      return fail(Code::kInvalidModel, "has %d outputs, expected 1", sig_.num_outputs);
    if (!sig_.inputs || !sig_.outputs) return fail(Code::kInvalidModel, "has no tensor list");
    return Status::ok_status();
  }

  Status check_options_type(const OpRule& rule) const {
    if (op_.options_type() != rule.options) {
      const OpOptions got = op_.options_type();
      const char* got_name = fb::EnumNameOpOptions(got);
      return fail(Code::kInvalidModel, "options are %s, expected %s",
                  got_name[0] ? got_name : "of an unknown type",
                  fb::EnumNameOpOptions(rule.options));
    }
    if (!op_.options())
      return fail(Code::kInvalidModel, "%s table is missing", fb::EnumNameOpOptions(rule.options));
    return Status::ok_status();
  }

  Status check_tensor(const TensorView& tensor, const Label& label) const {
    if (!dtype_is_valid(tensor.dtype))
      return fail(Code::kInvalidModel, "%s has invalid dtype %d", label.text,
                  static_cast<int>(tensor.dtype));
    if (tensor.shape.rank < 0 || tensor.shape.rank > kMaxRank)
      return fail(Code::kInvalidModel, "%s has rank %d, at most %d is supported", label.text,
                  tensor.shape.rank, kMaxRank);
    for (int i = 0; i < tensor.shape.rank; ++i)
      if (tensor.shape.dims[i] < 0)
        return fail(Code::kInvalidModel, "%s shape %s has a negative dimension", label.text,
                    ShapeText(tensor.shape).text);
    int64_t numel = 0;
    if (!checked_numel(tensor.shape, &numel))
      return fail(Code::kInvalidModel, "%s shape %s has too many elements", label.text,
                  ShapeText(tensor.shape).text);
    return Status::ok_status();
  }

  Status check_tensors() const {
    for (int i = 0; i < sig_.num_inputs; ++i) {
      if (!sig_.inputs[i]) {
        if (optional_input(i)) continue;
        return fail(Code::kInvalidModel, "%s is missing", input_label(i).text);
      }
      SPRIG_RETURN_IF_ERROR(check_tensor(in(i), input_label(i)));
    }
    if (!sig_.outputs[0]) return fail(Code::kInvalidModel, "output 0 is missing");
    Label label;
    std::snprintf(label.text, sizeof(label.text), "output 0");
    return check_tensor(out(0), label);
  }

  Status check_dtypes() const {
    for (int i = 0; i < sig_.num_inputs; ++i) {
      if (!sig_.inputs[i]) continue;
      const DType dtype = in(i).dtype;
      if (is_index_input(type_, i)) {
        if (dtype == DType::I32) continue;
        return fail(Code::kUnsupported, "%s dtype %s is not supported (I32)", input_label(i).text,
                    dtype_name(dtype));
      }
      if (dtype == DType::F32) continue;
      if (is_cache_input(type_, i)) {
        if (dtype == DType::F16) continue;
        return fail(Code::kUnsupported, "%s dtype %s is not supported (F32 or F16)",
                    input_label(i).text, dtype_name(dtype));
      }
      if (is_quantizable_weight(type_, i) && is_quantized_dtype(dtype)) {
        if (in(i).quantization != nullptr) continue;
        return fail(Code::kInvalidModel, "%s dtype %s has no quantization scales",
                    input_label(i).text, dtype_name(dtype));
      }
      if (is_weight_input(type_, i)) {
        if (dtype == DType::F16 || dtype == DType::BF16) continue;
        return fail(Code::kUnsupported, "%s dtype %s is not supported (%s)", input_label(i).text,
                    dtype_name(dtype),
                    is_quantizable_weight(type_, i) ? "F32, F16, BF16, I8, U8 or I4"
                                                    : "F32, F16 or BF16");
      }
      return fail(Code::kUnsupported, "%s dtype %s is not supported (F32)", input_label(i).text,
                  dtype_name(dtype));
    }
    if (out(0).dtype != DType::F32)
      return fail(Code::kUnsupported, "output 0 dtype %s is not supported (F32)",
                  dtype_name(out(0).dtype));
    return Status::ok_status();
  }

  Status check_int8() const {
    const Status status = check_int8_dtypes(sig_);
    return status.ok() ? status : fail(status.code(), "%s", status.message());
  }

  Status check_rank(int index, int rank, const char* layout) const {
    if (in(index).shape.rank == rank) return Status::ok_status();
    return fail(Code::kInvalidModel, "%s shape %s is not %s", input_label(index).text,
                ShapeText(in(index).shape).text, layout);
  }

  Status check_min_rank(int index, int rank) const {
    if (in(index).shape.rank >= rank) return Status::ok_status();
    return fail(Code::kInvalidModel, "%s shape %s has rank below %d", input_label(index).text,
                ShapeText(in(index).shape).text, rank);
  }

  Status check_output(const Shape& expected) const {
    if (out(0).shape == expected) return Status::ok_status();
    return fail(Code::kInvalidModel, "output 0 shape %s does not match the expected %s",
                ShapeText(out(0).shape).text, ShapeText(expected).text);
  }

  Status check_fused(const fb::Activation* activation) const {
    if (!activation || activation_kind_valid(activation->kind())) return Status::ok_status();
    return fail(Code::kInvalidModel, "activation kind %d is not valid",
                static_cast<int>(activation->kind()));
  }

  // An axis in [-rank, rank), returned in [0, rank).
  Status normalize_axis(int64_t axis, int rank, const char* what, int* normalized) const {
    if (axis < -rank || axis >= rank)
      return fail(Code::kInvalidModel, "%s %" PRId64 " is out of range for %s shape %s", what, axis,
                  input_label(0).text, ShapeText(in(0).shape).text);
    *normalized = static_cast<int>(axis < 0 ? axis + rank : axis);
    return Status::ok_status();
  }

  Status check_window_options(int64_t stride_h, int64_t stride_w, int64_t dilation_h,
                              int64_t dilation_w, int64_t pad_top, int64_t pad_left,
                              int64_t pad_bottom, int64_t pad_right) const {
    if (stride_h < 1 || stride_w < 1)
      return fail(Code::kInvalidModel, "stride %" PRId64 "x%" PRId64 " must be at least 1x1",
                  stride_h, stride_w);
    if (dilation_h < 1 || dilation_w < 1)
      return fail(Code::kInvalidModel, "dilation %" PRId64 "x%" PRId64 " must be at least 1x1",
                  dilation_h, dilation_w);
    if (pad_top < 0 || pad_left < 0 || pad_bottom < 0 || pad_right < 0)
      return fail(Code::kInvalidModel,
                  "pads (top %" PRId64 ", left %" PRId64 ", bottom %" PRId64 ", right %" PRId64
                  ") must not be negative",
                  pad_top, pad_left, pad_bottom, pad_right);
    return Status::ok_status();
  }

  Status window_count(int64_t in_size, int64_t pad_begin, int64_t pad_end, int64_t kernel,
                      int64_t stride, int64_t dilation, const char* axis, int64_t* count) const {
    if (floor_window_count(in_size, pad_begin, pad_end, kernel, stride, dilation, count))
      return Status::ok_status();
    return fail(Code::kInvalidModel,
                "%s shape %s: kernel %" PRId64 " (dilation %" PRId64
                ") along %s does not fit the "
                "padded input",
                input_label(0).text, ShapeText(in(0).shape).text, kernel, dilation, axis);
  }

  Status check_conv2d() const {
    const fb::Conv2DOptions& o = *op_.options_as_Conv2DOptions();
    SPRIG_RETURN_IF_ERROR(check_rank(0, 4, "NHWC (rank 4)"));
    SPRIG_RETURN_IF_ERROR(check_rank(1, 4, "[O, KH, KW, C/groups]"));
    const Shape& x = in(0).shape;
    const Shape& w = in(1).shape;
    if (w[1] < 1 || w[2] < 1)
      return fail(Code::kInvalidModel, "input 1 (weights) shape %s has an empty kernel",
                  ShapeText(w).text);
    SPRIG_RETURN_IF_ERROR(check_window_options(o.stride_h(), o.stride_w(), o.dilation_h(),
                                               o.dilation_w(), o.pad_top(), o.pad_left(),
                                               o.pad_bottom(), o.pad_right()));
    const int64_t groups = o.groups();
    if (groups < 1 || x[3] % groups != 0)
      return fail(Code::kInvalidModel,
                  "groups %" PRId64 " does not divide the %" PRId64
                  " channels of input 0 (input) shape %s",
                  groups, x[3], ShapeText(x).text);
    if (w[3] != x[3] / groups)
      return fail(Code::kInvalidModel,
                  "input 1 (weights) shape %s does not match %" PRId64 " input channels / %" PRId64
                  " groups",
                  ShapeText(w).text, x[3], groups);
    if (w[0] % groups != 0)
      return fail(Code::kInvalidModel,
                  "input 1 (weights) shape %s: %" PRId64
                  " output channels are not divisible by %" PRId64 " groups",
                  ShapeText(w).text, w[0], groups);
    SPRIG_RETURN_IF_ERROR(check_bias(w[0]));
    Shape expected;
    expected.rank = 4;
    expected[0] = x[0];
    SPRIG_RETURN_IF_ERROR(window_count(x[1], o.pad_top(), o.pad_bottom(), w[1], o.stride_h(),
                                       o.dilation_h(), "H", &expected[1]));
    SPRIG_RETURN_IF_ERROR(window_count(x[2], o.pad_left(), o.pad_right(), w[2], o.stride_w(),
                                       o.dilation_w(), "W", &expected[2]));
    expected[3] = w[0];
    SPRIG_RETURN_IF_ERROR(check_output(expected));
    return check_fused(o.fused());
  }

  Status check_bias(int64_t channels) const {
    const TensorView* b = bias();
    if (!b || (b->shape.rank == 1 && b->shape[0] == channels)) return Status::ok_status();
    return fail(Code::kInvalidModel,
                "input 2 (bias) shape %s does not match %" PRId64 " output channels",
                ShapeText(b->shape).text, channels);
  }

  Status check_gather() const {
    SPRIG_RETURN_IF_ERROR(check_rank(0, 2, "[V, D]"));
    const Shape& indices = in(1).shape;
    if (indices.rank + 1 > kMaxRank)
      return fail(Code::kInvalidModel, "input 1 (indices) shape %s has too high a rank",
                  ShapeText(indices).text);
    Shape expected = indices;
    expected.rank = indices.rank + 1;
    expected[indices.rank] = in(0).shape[1];
    return check_output(expected);
  }

  // RmsNorm / LayerNorm: weight (and bias) [D], D the input's last dimension.
  Status check_norm() const {
    SPRIG_RETURN_IF_ERROR(check_min_rank(0, 1));
    const Shape& x = in(0).shape;
    for (int i = 1; i < sig_.num_inputs; ++i) {
      const Shape& p = in(i).shape;
      if (p.rank != 1 || p[0] != x[x.rank - 1])
        return fail(Code::kInvalidModel, "%s shape %s does not match input 0 (input) shape %s",
                    input_label(i).text, ShapeText(p).text, ShapeText(x).text);
    }
    return check_output(x);
  }

  Status check_rope() const {
    SPRIG_RETURN_IF_ERROR(check_rank(0, 3, "[T, H, D]"));
    SPRIG_RETURN_IF_ERROR(check_rank(1, 1, "[T]"));
    SPRIG_RETURN_IF_ERROR(check_rank(2, 1, "[R/2]"));
    const Shape& x = in(0).shape;
    if (in(1).shape[0] != x[0])
      return fail(Code::kInvalidModel, "input 1 (positions) shape %s does not match T of %s",
                  ShapeText(in(1).shape).text, ShapeText(x).text);
    if (in(2).shape[0] < 1 || 2 * in(2).shape[0] > x[2])
      return fail(Code::kInvalidModel,
                  "input 2 (inv_freq) shape %s: rotates more than the %" PRId64 " dims of a head",
                  ShapeText(in(2).shape).text, x[2]);
    return check_output(x);
  }

  Status check_attention() const {
    const int n = sig_.num_inputs;
    if (n != 3 && n != 6)
      return fail(Code::kInvalidModel, "has %d inputs, expected 3 (q, k, v) or 6 (with caches)", n);
    for (int i = 0; i < 3; ++i) SPRIG_RETURN_IF_ERROR(check_rank(i, 3, "[T, H, D]"));
    const Shape& q = in(0).shape;
    const Shape& k = in(1).shape;
    if (!(in(2).shape == k))
      return fail(Code::kInvalidModel, "input 2 (v) shape %s differs from input 1 (k) shape %s",
                  ShapeText(in(2).shape).text, ShapeText(k).text);
    if (k[2] != q[2] || k[1] < 1 || q[1] % k[1] != 0)
      return fail(Code::kInvalidModel,
                  "input 1 (k) shape %s does not fit input 0 (q) shape %s: same head size, and "
                  "its heads must divide the query heads",
                  ShapeText(k).text, ShapeText(q).text);
    if (n == 6) {
      if (k[0] != q[0])
        return fail(Code::kInvalidModel, "with a cache, k %s and q %s need the same length",
                    ShapeText(k).text, ShapeText(q).text);
      for (int i = 3; i < 5; ++i) {
        const Shape& c = in(i).shape;
        if (c.rank != 3 || c[1] != k[1] || c[2] != k[2] || c[0] < 1)
          return fail(Code::kInvalidModel, "%s shape %s does not hold rows of k %s",
                      input_label(i).text, ShapeText(c).text, ShapeText(k).text);
        if (!in(i).is_state)
          return fail(Code::kInvalidModel, "%s is not a state tensor", input_label(i).text);
      }
      if (!(in(4).shape == in(3).shape) || in(4).dtype != in(3).dtype)
        return fail(Code::kInvalidModel, "the caches (%s %s and %s %s) differ",
                    dtype_name(in(3).dtype), ShapeText(in(3).shape).text,
                    dtype_name(in(4).dtype), ShapeText(in(4).shape).text);
      if (in(5).shape.rank != 1 || in(5).shape[0] != q[0])
        return fail(Code::kInvalidModel, "input 5 (positions) shape %s is not [T] for q %s",
                    ShapeText(in(5).shape).text, ShapeText(q).text);
    }
    return check_output(q);
  }

  Status check_fully_connected() const {
    SPRIG_RETURN_IF_ERROR(check_min_rank(0, 1));
    SPRIG_RETURN_IF_ERROR(check_rank(1, 2, "[N, K]"));
    const Shape& x = in(0).shape;
    const Shape& w = in(1).shape;
    if (w[1] != x[x.rank - 1])
      return fail(Code::kInvalidModel,
                  "input 1 (weights) shape %s does not match input 0 (input) "
                  "shape %s: K must equal the input's last dimension",
                  ShapeText(w).text, ShapeText(x).text);
    SPRIG_RETURN_IF_ERROR(check_bias(w[0]));
    Shape expected = x;
    expected[x.rank - 1] = w[0];
    SPRIG_RETURN_IF_ERROR(check_output(expected));
    return check_fused(op_.options_as_FullyConnectedOptions()->fused());
  }

  // Numpy broadcasting of the trailing-aligned dims a[0..ra) and b[0..rb) into `result`.
  bool broadcast_dims(const int64_t* a, int ra, const int64_t* b, int rb, Shape* result) const {
    const int rank = ra > rb ? ra : rb;
    result->rank = rank;
    for (int i = 0; i < rank; ++i) {
      const int ia = i - (rank - ra);
      const int ib = i - (rank - rb);
      const int64_t da = ia >= 0 ? a[ia] : 1;
      const int64_t db = ib >= 0 ? b[ib] : 1;
      if (da != db && da != 1 && db != 1) return false;
      (*result)[i] = da == 1 ? db : da;
    }
    return true;
  }

  Status check_matmul() const {
    SPRIG_RETURN_IF_ERROR(check_min_rank(0, 1));
    SPRIG_RETURN_IF_ERROR(check_min_rank(1, 1));
    const Shape& a = in(0).shape;
    const Shape& b = in(1).shape;
    const int64_t ka = a[a.rank - 1];
    const int64_t kb = b.rank == 1 ? b[0] : b[b.rank - 2];
    if (ka != kb)
      return fail(Code::kInvalidModel,
                  "input 1 (b) shape %s does not match input 0 (a) shape %s: "
                  "inner dimensions %" PRId64 " and %" PRId64 " differ",
                  ShapeText(b).text, ShapeText(a).text, ka, kb);
    Shape expected;
    const int batch_a = a.rank > 2 ? a.rank - 2 : 0;
    const int batch_b = b.rank > 2 ? b.rank - 2 : 0;
    if (!broadcast_dims(a.dims, batch_a, b.dims, batch_b, &expected))
      return fail(Code::kInvalidModel,
                  "input 1 (b) shape %s does not broadcast with input 0 (a) "
                  "shape %s over the batch dimensions",
                  ShapeText(b).text, ShapeText(a).text);
    if (a.rank >= 2) expected[expected.rank++] = a[a.rank - 2];
    if (b.rank >= 2) expected[expected.rank++] = b[b.rank - 1];
    return check_output(expected);
  }

  Status check_batch_norm() const {
    const fb::BatchNormOptions& o = *op_.options_as_BatchNormOptions();
    SPRIG_RETURN_IF_ERROR(check_min_rank(0, 1));
    int axis = 0;
    SPRIG_RETURN_IF_ERROR(normalize_axis(o.axis(), in(0).shape.rank, "axis", &axis));
    if (!(o.epsilon() >= 0.0f))
      return fail(Code::kInvalidModel, "epsilon %g must not be negative",
                  static_cast<double>(o.epsilon()));
    const int64_t channels = in(0).shape[axis];
    for (int i = 1; i < 5; ++i) {
      const Shape& p = in(i).shape;
      if (p.rank != 1 || p[0] != channels)
        return fail(Code::kInvalidModel,
                    "%s shape %s does not match %" PRId64 " channels along axis %d",
                    input_label(i).text, ShapeText(p).text, channels, axis);
    }
    return check_output(in(0).shape);
  }

  Status check_binary() const {
    const Shape& a = in(0).shape;
    const Shape& b = in(1).shape;
    Shape expected;
    if (!broadcast_dims(a.dims, a.rank, b.dims, b.rank, &expected))
      return fail(Code::kInvalidModel,
                  "input 1 (b) shape %s does not broadcast with input 0 (a) "
                  "shape %s",
                  ShapeText(b).text, ShapeText(a).text);
    SPRIG_RETURN_IF_ERROR(check_output(expected));
    return check_fused(op_.options_as_BinaryOptions()->fused());
  }

  Status check_activation_op() const {
    SPRIG_RETURN_IF_ERROR(check_fused(op_.options_as_ActivationOptions()->activation()));
    return check_output(in(0).shape);
  }

  Status check_pool2d() const {
    const fb::Pool2DOptions& o = *op_.options_as_Pool2DOptions();
    SPRIG_RETURN_IF_ERROR(check_rank(0, 4, "NHWC (rank 4)"));
    if (o.kernel_h() < 1 || o.kernel_w() < 1)
      return fail(Code::kInvalidModel, "kernel %dx%d must be at least 1x1", o.kernel_h(),
                  o.kernel_w());
    SPRIG_RETURN_IF_ERROR(check_window_options(o.stride_h(), o.stride_w(), o.dilation_h(),
                                               o.dilation_w(), o.pad_top(), o.pad_left(),
                                               o.pad_bottom(), o.pad_right()));
    const Shape& x = in(0).shape;
    Shape expected;
    expected.rank = 4;
    expected[0] = x[0];
    SPRIG_RETURN_IF_ERROR(window_count(x[1], o.pad_top(), o.pad_bottom(), o.kernel_h(),
                                       o.stride_h(), o.dilation_h(), "H", &expected[1]));
    SPRIG_RETURN_IF_ERROR(window_count(x[2], o.pad_left(), o.pad_right(), o.kernel_w(),
                                       o.stride_w(), o.dilation_w(), "W", &expected[2]));
    expected[3] = x[3];
    const Shape& y = out(0).shape;
    const bool ok = y.rank == 4 && y[0] == expected[0] && y[3] == expected[3] &&
                    ceil_mode_ok(y[1], expected[1], x[1], o.pad_top(), o.stride_h()) &&
                    ceil_mode_ok(y[2], expected[2], x[2], o.pad_left(), o.stride_w());
    if (ok) return Status::ok_status();
    return fail(Code::kInvalidModel,
                "output 0 shape %s does not match the expected %s (or one "
                "larger per spatial dimension in ceil mode)",
                ShapeText(y).text, ShapeText(expected).text);
  }

  // The stored count may be the floor count, or one more when that last window starts inside the
  // input plus its top/left padding.
  static bool ceil_mode_ok(int64_t stored, int64_t floor_count, int64_t in_size, int64_t pad_begin,
                           int64_t stride) {
    if (stored == floor_count) return true;
    if (stored != floor_count + 1) return false;
    int64_t last_start;
    return mul_i64(stored - 1, stride, &last_start) && last_start < in_size + pad_begin;
  }

  Status check_global_average_pool() const {
    SPRIG_RETURN_IF_ERROR(check_rank(0, 4, "NHWC (rank 4)"));
    Shape expected = in(0).shape;
    expected[1] = 1;
    expected[2] = 1;
    return check_output(expected);
  }

  Status check_reduce_mean() const {
    const fb::ReduceMeanOptions& o = *op_.options_as_ReduceMeanOptions();
    const Shape& x = in(0).shape;
    if (!o.axes() || o.axes()->size() == 0) return fail(Code::kInvalidModel, "axes are missing");
    if (o.axes()->size() > static_cast<uint32_t>(x.rank))
      return fail(Code::kInvalidModel, "%u axes for input 0 shape %s", o.axes()->size(),
                  ShapeText(x).text);
    bool reduced[kMaxRank] = {false};
    int previous = -1;
    for (uint32_t i = 0; i < o.axes()->size(); ++i) {
      const int axis = o.axes()->Get(i);
      if (axis <= previous || axis >= x.rank)
        return fail(Code::kInvalidModel,
                    "axes[%u] = %d is out of range or out of order for input 0 "
                    "shape %s (axes must be sorted, unique and in [0, rank))",
                    i, axis, ShapeText(x).text);
      reduced[axis] = true;
      previous = axis;
    }
    Shape expected;
    for (int d = 0; d < x.rank; ++d) {
      if (!reduced[d])
        expected[expected.rank++] = x[d];
      else if (o.keep_dims())
        expected[expected.rank++] = 1;
    }
    return check_output(expected);
  }

  Status check_softmax() const {
    const int axis = op_.options_as_SoftmaxOptions()->axis();
    const Shape& x = in(0).shape;
    if (axis < 0 || axis >= x.rank)
      return fail(Code::kInvalidModel, "axis %d is out of range [0, %d) for input 0 shape %s", axis,
                  x.rank, ShapeText(x).text);
    return check_output(x);
  }

  Status check_reshape() const {
    int64_t in_numel = 0, out_numel = 0;
    checked_numel(in(0).shape, &in_numel);
    checked_numel(out(0).shape, &out_numel);
    if (in_numel == out_numel) return Status::ok_status();
    return fail(Code::kInvalidModel,
                "output 0 shape %s does not have the %" PRId64 " elements of input 0 shape %s",
                ShapeText(out(0).shape).text, in_numel, ShapeText(in(0).shape).text);
  }

  Status check_concat() const {
    const Shape& first = in(0).shape;
    int axis = 0;
    SPRIG_RETURN_IF_ERROR(
        normalize_axis(op_.options_as_ConcatOptions()->axis(), first.rank, "axis", &axis));
    Shape expected = first;
    for (int i = 1; i < sig_.num_inputs; ++i) {
      const Shape& s = in(i).shape;
      bool same = s.rank == first.rank;
      for (int d = 0; same && d < s.rank; ++d) same = d == axis || s[d] == first[d];
      if (!same)
        return fail(Code::kInvalidModel,
                    "input %d shape %s does not match input 0 shape %s outside "
                    "axis %d",
                    i, ShapeText(s).text, ShapeText(first).text, axis);
      if (!add_i64(expected[axis], s[axis], &expected[axis]) || expected[axis] > kMaxElements)
        return fail(Code::kInvalidModel, "input %d shape %s: concatenated size overflows", i,
                    ShapeText(s).text);
    }
    return check_output(expected);
  }

  Status check_transpose() const {
    const auto* perm = op_.options_as_TransposeOptions()->perm();
    const Shape& x = in(0).shape;
    if (!perm || perm->size() != static_cast<uint32_t>(x.rank))
      return fail(Code::kInvalidModel, "perm has %u entries, input 0 shape %s needs %d",
                  perm ? perm->size() : 0u, ShapeText(x).text, x.rank);
    bool used[kMaxRank] = {false};
    Shape expected;
    expected.rank = x.rank;
    for (int i = 0; i < x.rank; ++i) {
      const int p = perm->Get(static_cast<uint32_t>(i));
      if (p < 0 || p >= x.rank || used[p])
        return fail(Code::kInvalidModel, "perm[%d] = %d: perm is not a permutation of [0, %d)", i,
                    p, x.rank);
      used[p] = true;
      expected[i] = x[p];
    }
    return check_output(expected);
  }

  Status check_pad() const {
    const fb::PadOptions& o = *op_.options_as_PadOptions();
    const Shape& x = in(0).shape;
    const auto* pads = o.pads();
    if (!pads || pads->size() != 2u * static_cast<uint32_t>(x.rank))
      return fail(Code::kInvalidModel, "pads has %u entries, input 0 shape %s needs %d",
                  pads ? pads->size() : 0u, ShapeText(x).text, 2 * x.rank);
    const int mode = static_cast<int>(o.mode());
    if (mode < static_cast<int>(fb::PadMode::MIN) || mode > static_cast<int>(fb::PadMode::MAX))
      return fail(Code::kInvalidModel, "pad mode %d is not valid", mode);
    Shape expected;
    expected.rank = x.rank;
    for (int d = 0; d < x.rank; ++d) {
      const int64_t begin = pads->Get(static_cast<uint32_t>(d));
      const int64_t end = pads->Get(static_cast<uint32_t>(d + x.rank));
      if (begin < 0 || end < 0)
        return fail(Code::kInvalidModel,
                    "pads for axis %d (%" PRId64 ", %" PRId64 ") must not be negative", d, begin,
                    end);
      if (o.mode() == fb::PadMode::Reflect && (begin >= x[d] || end >= x[d]) && (begin || end))
        return fail(Code::kInvalidModel,
                    "reflect pads for axis %d (%" PRId64 ", %" PRId64
                    ") must be below the dimension of input 0 shape %s",
                    d, begin, end, ShapeText(x).text);
      if (o.mode() == fb::PadMode::Edge && x[d] == 0 && (begin || end))
        return fail(Code::kInvalidModel, "edge pads for axis %d need a non-empty input 0, shape %s",
                    d, ShapeText(x).text);
      if (!add_i64(x[d], begin, &expected[d]) || !add_i64(expected[d], end, &expected[d]) ||
          expected[d] > kMaxElements)
        return fail(Code::kInvalidModel, "pads for axis %d overflow", d);
    }
    return check_output(expected);
  }

  Status check_slice() const {
    const fb::SliceOptions& o = *op_.options_as_SliceOptions();
    const Shape& x = in(0).shape;
    const Shape& y = out(0).shape;
    const uint32_t rank = static_cast<uint32_t>(x.rank);
    if (!o.starts() || !o.steps() || o.starts()->size() != rank || o.steps()->size() != rank)
      return fail(Code::kInvalidModel,
                  "starts and steps have %u and %u entries, input 0 shape %s "
                  "needs %u",
                  o.starts() ? o.starts()->size() : 0u, o.steps() ? o.steps()->size() : 0u,
                  ShapeText(x).text, rank);
    if (y.rank != x.rank)
      return fail(Code::kInvalidModel,
                  "output 0 shape %s does not have the rank of input 0 shape %s", ShapeText(y).text,
                  ShapeText(x).text);
    for (int d = 0; d < x.rank; ++d) {
      const int64_t start = o.starts()->Get(static_cast<uint32_t>(d));
      const int64_t step = o.steps()->Get(static_cast<uint32_t>(d));
      if (step == 0) return fail(Code::kInvalidModel, "steps[%d] is 0", d);
      int64_t last = start;
      const bool in_range = y[d] == 0
                                ? (start >= 0 && start <= x[d])
                                : (start >= 0 && start < x[d] && mul_i64(y[d] - 1, step, &last) &&
                                   add_i64(last, start, &last) && last >= 0 && last < x[d]);
      if (!in_range)
        return fail(Code::kInvalidModel,
                    "output 0 shape %s reads outside input 0 shape %s along "
                    "axis %d (start %" PRId64 ", step %" PRId64 ")",
                    ShapeText(y).text, ShapeText(x).text, d, start, step);
    }
    return Status::ok_status();
  }

  const OpSignature& sig_;
  const fb::Op& op_;
  const OpType type_;
};

}  // namespace

const char* op_type_name(fb::OpType type) {
  const char* name = fb::EnumNameOpType(type);
  return name[0] ? name : "unknown op";
}

const char* op_display_name(const fb::Op& op) {
  if (op.type() == OpType::Activation) {
    const fb::ActivationOptions* options = op.options_as_ActivationOptions();
    const fb::Activation* activation = options ? options->activation() : nullptr;
    if (activation && activation->kind() != fb::ActivationKind::None &&
        activation_kind_valid(activation->kind()))
      return fb::EnumNameActivationKind(activation->kind());
  }
  return op_type_name(op.type());
}

Status check_op(const OpSignature& signature) {
  if (!signature.op) return Status(Code::kInvalidModel, "op is missing");
  return OpChecker(signature).check();
}

Status with_op_name(const fb::Op& op, const Status& status) {
  if (op.name() && op.name()->size())
    return Status::error(status.code(), "op '%.60s' (%s): %s", op.name()->c_str(),
                         op_display_name(op), status.message());
  return Status::error(status.code(), "op %s: %s", op_display_name(op), status.message());
}

}  // namespace sprig
