// Session: binding LoRA adapters (session.h). Each bound adapter's targets become LoraBranch
// entries of the FullyConnected ops reading the targeted weights, handed to the programs running
// those ops.
#include <cstring>
#include <string>

#include "runtime/core/session.h"

namespace sprig {
namespace {

// The ops reading tensor `weight` as a FullyConnected weight.
std::vector<int> fully_connected_ops_of(const Model& model, int weight) {
  std::vector<int> ops;
  for (int o = 0; o < model.num_ops(); ++o) {
    const fb::Op& op = model.op(o);
    if (op.type() == fb::OpType::FullyConnected && op.inputs()->size() > 1 &&
        op.inputs()->Get(1) == weight)
      ops.push_back(o);
  }
  return ops;
}

int find_tensor(const Model& model, const char* name) {
  for (int i = 0; i < model.num_tensors(); ++i)
    if (std::strcmp(model.tensor_name(i), name) == 0) return i;
  return -1;
}

// Adds the branches of `adapter` at `scale` to `by_op`, after checking it fits `model`.
Status add_branches(const Model& model, const Adapter& adapter, float scale,
                    std::vector<std::vector<LoraBranch>>* by_op) {
  if (std::strcmp(adapter.base_content_hash(), model.content_hash()) != 0)
    return Status::error(Code::kInvalidArgument,
                         "the adapter was trained for base model %.16s..., this model is %.16s...",
                         adapter.base_content_hash(), model.content_hash());
  for (int t = 0; t < adapter.num_targets(); ++t) {
    const LoraTarget& target = adapter.target(t);
    const int weight = find_tensor(model, target.weight);
    const std::vector<int> ops = weight >= 0 && model.is_constant(weight)
                                     ? fully_connected_ops_of(model, weight)
                                     : std::vector<int>();
    if (ops.empty())
      return Status::error(Code::kInvalidArgument,
                           "adapter target '%s' is not a FullyConnected weight of this model",
                           target.weight);
    const Shape& w = model.tensor(weight).shape;
    if (w[0] != target.b->shape[0] || w[1] != target.a->shape[1])
      return Status::error(Code::kInvalidArgument,
                           "adapter target '%s': B (%lld rows) and A (%lld columns) do not fit the "
                           "weight [%lld, %lld]",
                           target.weight, static_cast<long long>(target.b->shape[0]),
                           static_cast<long long>(target.a->shape[1]), static_cast<long long>(w[0]),
                           static_cast<long long>(w[1]));
    for (int op : ops)
      (*by_op)[static_cast<size_t>(op)].push_back(
          LoraBranch{target.a, target.b, target.scaling * scale});
  }
  return Status::ok_status();
}

}  // namespace

Status Session::bind_adapter(const Adapter& adapter, float scale) {
  std::vector<BoundAdapter> adapters = adapters_;
  bool found = false;
  for (BoundAdapter& bound : adapters)
    if (bound.adapter == &adapter) {
      bound.scale = scale;
      found = true;
    }
  if (!found) adapters.push_back(BoundAdapter{&adapter, scale});
  return apply_adapters(std::move(adapters));
}

Status Session::unbind_adapter(const Adapter& adapter) {
  std::vector<BoundAdapter> adapters;
  for (const BoundAdapter& bound : adapters_)
    if (bound.adapter != &adapter) adapters.push_back(bound);
  if (adapters.size() == adapters_.size())
    return Status(Code::kInvalidArgument, "the adapter is not bound to this session");
  return apply_adapters(std::move(adapters));
}

void Session::unbind_adapters() {
  // Unbinding only drops branches: no backend refuses it.
  (void)apply_adapters({});
}

Status Session::apply_adapters(std::vector<BoundAdapter> adapters) {
  const size_t num_ops = static_cast<size_t>(model_.num_ops());
  std::vector<std::vector<LoraBranch>> by_op(num_ops);
  for (const BoundAdapter& bound : adapters)
    SPRIG_RETURN_IF_ERROR(add_branches(model_, *bound.adapter, bound.scale, &by_op));
  if (lora_by_op_.empty()) lora_by_op_.resize(num_ops);
  // Hands `lists` to every op with branches now or before; stops at the first refusal.
  auto hand_over = [&](const std::vector<std::vector<LoraBranch>>& lists, int* failed_op) {
    for (size_t p = 0; p < partitions_.size(); ++p) {
      const Partition& part = partitions_[p];
      for (int i = 0; i < part.num_ops; ++i) {
        const size_t op = static_cast<size_t>(part.first_op + i);
        if (by_op[op].empty() && lora_by_op_[op].empty()) continue;
        const Status status = programs_[p]->set_lora(i, lists[op].data(), static_cast<int>(lists[op].size()));
        if (!status.ok()) {
          *failed_op = static_cast<int>(op);
          return status;
        }
      }
    }
    return Status::ok_status();
  };
  int failed_op = -1;
  const Status status = hand_over(by_op, &failed_op);
  if (!status.ok()) {
    int ignored = -1;
    (void)hand_over(lora_by_op_, &ignored);
    const fb::Op& op = model_.op(failed_op);
    return Status::error(status.code(), "LoRA on op %d '%s': %s", failed_op,
                         op.name() ? op.name()->c_str() : "", status.message());
  }
  lora_by_op_ = std::move(by_op);
  adapters_ = std::move(adapters);
  return Status::ok_status();
}

}  // namespace sprig
