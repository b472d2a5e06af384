#include "runtime/ops/dynamic_rows.h"

#include <cstdarg>
#include <cstdio>
#include <initializer_list>

#include "runtime/ops/int8_op_check.h"

namespace sprig {
namespace {

using fb::OpType;

int symbol(const TensorView* t) { return t != nullptr ? t->dim0_symbol : 0; }

class DynamicRowsCheck {
 public:
  explicit DynamicRowsCheck(const OpSignature& op) : op_(op) {}

  Status check() const {
    if (is_int8_op(op_)) return fail("int8 ops do not support a run-time leading dimension");
    switch (op_.op->type()) {
      case OpType::FullyConnected:
      case OpType::RmsNorm:
      case OpType::LayerNorm:
      case OpType::Activation:
      case OpType::Reshape:
        return row_op(0, {});
      case OpType::Add:
      case OpType::Sub:
      case OpType::Mul:
      case OpType::Div:
        return binary();
      case OpType::Rope:
        return row_op(0, {1});
      case OpType::Attention:
        return attention();
      case OpType::Gather:
        return row_op(1, {0}, /*any_symbol=*/true);
      default:
        return fail("%s does not support a run-time leading dimension", op_type_name(op_.op->type()));
    }
  }

 private:
  // Output 0 follows input `rows`; inputs in `shared` have its dimension (any run-time dimension of
  // their own when any_symbol); every other input is fixed.
  Status row_op(int rows, std::initializer_list<int> shared, bool any_symbol = false) const {
    const TensorView& in = *op_.inputs[rows];
    SPRIG_RETURN_IF_ERROR(output_follows(in, rows));
    for (int i = 0; i < op_.num_inputs; ++i) {
      if (i == rows || op_.inputs[i] == nullptr) continue;
      bool listed = false;
      for (int s : shared) listed |= s == i;
      if (!listed) {
        if (symbol(op_.inputs[i]) != 0) return fail("input %d has a run-time leading dimension", i);
      } else if (!any_symbol && !same_rows(*op_.inputs[i], in)) {
        return fail("input %d and input %d need the same leading dimension", i, rows);
      }
    }
    return Status::ok_status();
  }

  Status binary() const {
    const TensorView& y = *op_.outputs[0];
    bool follows = symbol(&y) == 0;
    for (int i = 0; i < op_.num_inputs; ++i) {
      const TensorView& in = *op_.inputs[i];
      if (symbol(&in) != 0) {
        if (in.shape.rank != y.shape.rank || !same_rows(in, y))
          return fail("input %d's run-time leading dimension is not the output's", i);
        follows = true;
      } else if (symbol(&y) != 0 && in.shape.rank == y.shape.rank && in.shape[0] != 1) {
        return fail("input %d is fixed along the output's run-time leading dimension", i);
      }
    }
    return follows ? Status::ok_status()
                   : fail("the output has a run-time leading dimension no input has");
  }

  Status attention() const {
    if (op_.num_inputs == 6) return row_op(0, {1, 2, 5});
    SPRIG_RETURN_IF_ERROR(output_follows(*op_.inputs[0], 0));
    if (!same_rows(*op_.inputs[1], *op_.inputs[2]))
      return fail("inputs 1 (k) and 2 (v) need the same leading dimension");
    return Status::ok_status();
  }

  Status output_follows(const TensorView& in, int index) const {
    for (int o = 0; o < op_.num_outputs; ++o)
      if (!same_rows(*op_.outputs[o], in))
        return fail("output %d's leading dimension is not input %d's", o, index);
    return Status::ok_status();
  }

  static bool same_rows(const TensorView& a, const TensorView& b) {
    return a.dim0_symbol == b.dim0_symbol && a.shape.rank >= 1 && b.shape.rank >= 1 &&
           a.shape[0] == b.shape[0];
  }

  Status fail(const char* format, ...) const __attribute__((format(printf, 2, 3))) {
    char message[160];
    va_list args;
    va_start(args, format);
    std::vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    return with_op_name(*op_.op, Status::error(Code::kInvalidModel, "run-time leading dimension: %s",
                                               message));
  }

  const OpSignature& op_;
};

}  // namespace

bool has_dynamic_rows(const OpSignature& op) {
  for (int i = 0; i < op.num_inputs; ++i)
    if (symbol(op.inputs[i]) != 0) return true;
  for (int i = 0; i < op.num_outputs; ++i)
    if (symbol(op.outputs[i]) != 0) return true;
  return false;
}

Status check_dynamic_rows(const OpSignature& op) {
  if (!has_dynamic_rows(op)) return Status::ok_status();
  return DynamicRowsCheck(op).check();
}

}  // namespace sprig
