#include "runtime/core/model_check.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "runtime/core/file_check.h"
#include "runtime/core/file_header.h"
#include "runtime/core/memory_planner.h"
#include "runtime/core/model.h"
#include "runtime/core/quantization.h"
#include "runtime/ops/dynamic_rows.h"
#include "runtime/ops/op_check.h"

namespace sprig {
namespace {

// Run-time leading dimensions a model may number (Tensor.dim0_symbol 1..kMaxDim0Symbols).
constexpr int kMaxDim0Symbols = 64;

Status check_quantization(int index, const fb::Tensor* tensor, const Shape& shape) {
  const fb::Quantization* q = tensor->quantization();
  if (q == nullptr) return Status::ok_status();
  if (!is_quantized_dtype(tensor->dtype()))
    return invalid("tensor %d '%s': dtype %s cannot be quantized (I8, U8 or I4)", index,
                   tensor_label(tensor), dtype_name(tensor->dtype()));
  const uint32_t scales = q->scale() ? q->scale()->size() : 0;
  const uint32_t zero_points = q->zero_point() ? q->zero_point()->size() : 0;
  const int64_t expected = quantization_scale_count(*q, shape);
  if (expected < 0) {
    if (q->group_size() != 0)
      return invalid("tensor %d '%s': group size %d does not divide the last dimension", index,
                     tensor_label(tensor), q->group_size());
    return invalid("tensor %d '%s': quantization axis %d out of range for rank %d", index,
                   tensor_label(tensor), q->axis(), shape.rank);
  }
  if (q->scale_tensor() != -1) {
    if (scales != 0 || zero_points != 0)
      return invalid("tensor %d '%s': scales both listed and in tensor %d", index,
                     tensor_label(tensor), q->scale_tensor());
  } else if (scales != expected) {
    return invalid("tensor %d '%s': %u quantization scales, expected %" PRId64, index,
                   tensor_label(tensor), scales, expected);
  }
  if (q->zero_point_tensor() != -1 && q->scale_tensor() == -1)
    return invalid("tensor %d '%s': zero point tensor without a scale tensor", index,
                   tensor_label(tensor));
  if (zero_points != 0 && zero_points != scales)
    return invalid("tensor %d '%s': %u zero points for %u scales", index, tensor_label(tensor),
                   zero_points, scales);
  return Status::ok_status();
}

// Once every tensor is checked: the scale and zero point tensors a Quantization names exist, are
// constants of the right dtype and size, and are not quantized themselves.
Status link_quantization_tensors(const fb::Model& root, CheckedTensors* out) {
  const auto* tensors = root.graph()->tensors();
  const int count = static_cast<int>(tensors->size());
  for (int i = 0; i < count; ++i) {
    const fb::Tensor* tensor = tensors->Get(static_cast<uint32_t>(i));
    const fb::Quantization* q = tensor->quantization();
    if (q == nullptr || q->scale_tensor() == -1) continue;
    TensorView& view = out->tensors[static_cast<size_t>(i)];
    const int64_t expected = quantization_scale_count(*q, view.shape);
    const struct {
      int index;
      const char* what;
      DType a, b;
      const TensorView** link;
    } parts[2] = {{q->scale_tensor(), "scale", DType::F16, DType::F32, &view.scales},
                  {q->zero_point_tensor(), "zero point", DType::I8, DType::I8, &view.zero_points}};
    for (const auto& part : parts) {
      if (part.index == -1) continue;
      if (part.index < 0 || part.index >= count || part.index == i)
        return invalid("tensor %d '%s': %s tensor %d is out of range", i, tensor_label(tensor),
                       part.what, part.index);
      const TensorView& linked = out->tensors[static_cast<size_t>(part.index)];
      if (linked.data == nullptr || linked.quantization != nullptr ||
          (linked.dtype != part.a && linked.dtype != part.b) || linked.shape.numel() != expected)
        return invalid("tensor %d '%s': %s tensor %d is not a constant %s%s%s of %" PRId64
                       " elements",
                       i, tensor_label(tensor), part.what, part.index, dtype_name(part.a),
                       part.a == part.b ? "" : " or ", part.a == part.b ? "" : dtype_name(part.b),
                       expected);
      *part.link = &linked;
    }
  }
  return Status::ok_status();
}

Status check_tensors(const uint8_t* base, const fb::Model& root, CheckedTensors* out) {
  const auto* tensors = root.graph()->tensors();
  const int count = static_cast<int>(tensors->size());
  out->tensors.resize(static_cast<size_t>(count));
  std::unordered_set<std::string_view> names;
  names.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const fb::Tensor* tensor = tensors->Get(static_cast<uint32_t>(i));
    if (tensor->name() == nullptr || tensor->name()->size() == 0)
      return invalid("tensor %d has no name", i);
    if (!names.insert(tensor->name()->string_view()).second)
      return invalid("tensor %d: name '%s' is used twice", i, tensor_label(tensor));
    TensorView& view = out->tensors[static_cast<size_t>(i)];
    view.dtype = tensor->dtype();
    if (!dtype_is_valid(view.dtype))
      return invalid("tensor %d '%s' has unknown dtype %d", i, tensor_label(tensor),
                     static_cast<int>(view.dtype));
    SPRIG_RETURN_IF_ERROR(check_shape(i, tensor, &view.shape));
    SPRIG_RETURN_IF_ERROR(check_quantization(i, tensor, view.shape));
    view.quantization = tensor->quantization();
    view.is_state = tensor->is_state();
    if (view.is_state && tensor->buffer() != -1)
      return invalid("tensor %d '%s' is a state tensor with constant data", i, tensor_label(tensor));
    view.dim0_symbol = tensor->dim0_symbol();
    if (view.dim0_symbol < 0 || view.dim0_symbol > kMaxDim0Symbols)
      return invalid("tensor %d '%s': run-time leading dimension %d is not 0 to %d", i, tensor_label(tensor),
                     view.dim0_symbol, kMaxDim0Symbols);
    if (view.dim0_symbol > 0 && (view.shape.rank < 1 || view.shape[0] < 1 || view.is_state || tensor->buffer() != -1))
      return invalid("tensor %d '%s': run-time leading dimension %d on a constant, state, scalar or "
                     "empty tensor", i, tensor_label(tensor), view.dim0_symbol);
    if (tensor->buffer() != -1) SPRIG_RETURN_IF_ERROR(check_constant_data(base, root.buffers(), root.segments(), i, tensor, &view));
  }
  return link_quantization_tensors(root, out);
}

Status check_index_list(const flatbuffers::Vector<int32_t>* indices, int num_tensors,
                        const char* what, std::vector<int>* out) {
  if (indices == nullptr) return invalid("%s list is missing", what);
  for (uint32_t i = 0; i < indices->size(); ++i) {
    const int index = indices->Get(i);
    if (index < 0 || index >= num_tensors)
      return invalid("%s %u refers to tensor %d, but the graph has %d tensors", what, i, index,
                     num_tensors);
    out->push_back(index);
  }
  return Status::ok_status();
}

const char* op_label(const fb::Op& op) {
  return op.name() && op.name()->size() ? op.name()->c_str() : op_display_name(op);
}

// Every run-time leading dimension is carried by a graph input (the caller's handle on it), and the
// tensors sharing one have the same upper bound.
Status check_dim0_symbols(const fb::Graph& graph, const CheckedTensors& checked,
                          const std::vector<int>& graph_inputs) {
  std::unordered_map<int, int> first_with;  // symbol -> the first tensor that has it
  for (int i = 0; i < static_cast<int>(checked.tensors.size()); ++i) {
    const TensorView& view = checked.tensors[static_cast<size_t>(i)];
    if (view.dim0_symbol == 0) continue;
    const auto [it, added] = first_with.emplace(view.dim0_symbol, i);
    const TensorView& first = checked.tensors[static_cast<size_t>(it->second)];
    if (!added && first.shape[0] != view.shape[0])
      return invalid("tensors '%s' and '%s' share run-time leading dimension %d but not its upper "
                     "bound (%" PRId64 " and %" PRId64 ")",
                     graph.tensors()->Get(static_cast<uint32_t>(it->second))->name()->c_str(),
                     graph.tensors()->Get(static_cast<uint32_t>(i))->name()->c_str(), view.dim0_symbol,
                     first.shape[0], view.shape[0]);
  }
  for (int input : graph_inputs) first_with.erase(checked.tensors[static_cast<size_t>(input)].dim0_symbol);
  if (!first_with.empty())
    return invalid("run-time leading dimension %d of tensor '%s' is on no graph input", first_with.begin()->first,
                   graph.tensors()->Get(static_cast<uint32_t>(first_with.begin()->second))->name()->c_str());
  return Status::ok_status();
}

// Ops in order, their tensor indices, single assignment, define-before-use, and check_op.
Status check_ops(const fb::Model& root, const CheckedTensors& checked,
                 std::vector<OpTensorIndices>* op_tensors, std::vector<int>* graph_inputs,
                 std::vector<int>* graph_outputs) {
  const fb::Graph& graph = *root.graph();
  const int num_tensors = static_cast<int>(checked.tensors.size());
  SPRIG_RETURN_IF_ERROR(check_index_list(graph.inputs(), num_tensors, "graph input", graph_inputs));
  SPRIG_RETURN_IF_ERROR(check_index_list(graph.outputs(), num_tensors, "graph output", graph_outputs));
  if (graph_outputs->empty()) return invalid("the graph has no outputs");

  std::vector<char> defined(static_cast<size_t>(num_tensors), 0);
  for (int i = 0; i < num_tensors; ++i)
    if (checked.tensors[static_cast<size_t>(i)].data) defined[static_cast<size_t>(i)] = 1;
  for (int input : *graph_inputs) {
    if (defined[static_cast<size_t>(input)])
      return invalid("graph input '%s' is a constant or listed twice",
                     graph.tensors()->Get(static_cast<uint32_t>(input))->name()->c_str());
    defined[static_cast<size_t>(input)] = 1;
  }
  for (int i = 0; i < num_tensors; ++i) {
    if (!checked.tensors[static_cast<size_t>(i)].is_state) continue;
    if (defined[static_cast<size_t>(i)])
      return invalid("state tensor '%s' is a graph input",
                     graph.tensors()->Get(static_cast<uint32_t>(i))->name()->c_str());
    defined[static_cast<size_t>(i)] = 1;
  }
  for (int output : *graph_outputs)
    if (checked.tensors[static_cast<size_t>(output)].is_state)
      return invalid("state tensor '%s' is a graph output",
                     graph.tensors()->Get(static_cast<uint32_t>(output))->name()->c_str());

  const auto* ops = graph.ops();
  std::vector<const TensorView*> inputs, outputs;
  for (uint32_t i = 0; i < ops->size(); ++i) {
    const fb::Op& op = *ops->Get(i);
    OpTensorIndices indices;
    char what[64];
    std::snprintf(what, sizeof(what), "op %u '%s' input", i, op_label(op));
    SPRIG_RETURN_IF_ERROR(check_index_list(op.inputs(), num_tensors, what, &indices.inputs));
    std::snprintf(what, sizeof(what), "op %u '%s' output", i, op_label(op));
    SPRIG_RETURN_IF_ERROR(check_index_list(op.outputs(), num_tensors, what, &indices.outputs));
    for (int input : indices.inputs)
      if (!defined[static_cast<size_t>(input)])
        return invalid("op %u '%s' reads tensor '%s' before anything writes it", i, op_label(op),
                       graph.tensors()->Get(static_cast<uint32_t>(input))->name()->c_str());
    for (int output : indices.outputs) {
      if (defined[static_cast<size_t>(output)])
        return invalid("op %u '%s' writes tensor '%s', which is a constant, an input or written "
                       "before", i, op_label(op),
                       graph.tensors()->Get(static_cast<uint32_t>(output))->name()->c_str());
      defined[static_cast<size_t>(output)] = 1;
    }
    const fb::PadOptions* pad = op.options_as_PadOptions();
    const fb::SliceOptions* slice = op.options_as_SliceOptions();
    if ((pad && !aligned(pad->pads())) || (slice && (!aligned(slice->starts()) || !aligned(slice->steps()))))
      return invalid("op %u '%s': a 64-bit option vector is misaligned", i, op_label(op));
    inputs.clear();
    outputs.clear();
    for (int input : indices.inputs) inputs.push_back(&checked.tensors[static_cast<size_t>(input)]);
    for (int output : indices.outputs) outputs.push_back(&checked.tensors[static_cast<size_t>(output)]);
    OpSignature signature;
    signature.op = &op;
    signature.inputs = inputs.data();
    signature.num_inputs = static_cast<int>(inputs.size());
    signature.outputs = outputs.data();
    signature.num_outputs = static_cast<int>(outputs.size());
    SPRIG_RETURN_IF_ERROR(check_op(signature));
    SPRIG_RETURN_IF_ERROR(check_dynamic_rows(signature));
    op_tensors->push_back(std::move(indices));
  }
  SPRIG_RETURN_IF_ERROR(check_dim0_symbols(graph, checked, *graph_inputs));
  for (int output : *graph_outputs)
    if (!defined[static_cast<size_t>(output)])
      return invalid("graph output '%s' is never written",
                     graph.tensors()->Get(static_cast<uint32_t>(output))->name()->c_str());
  return Status::ok_status();
}

Status check_plan(const fb::Model& root, const std::vector<OpTensorIndices>& op_tensors,
                  const std::vector<int>& graph_inputs, const std::vector<int>& graph_outputs,
                  CheckedTensors* checked) {
  const fb::MemoryPlan* plan = root.memory_plan();
  const int num_tensors = static_cast<int>(checked->tensors.size());
  if (plan == nullptr || plan->offsets() == nullptr) return invalid("the memory plan is missing");
  if (!aligned(plan->offsets())) return invalid("the memory plan's offsets are misaligned");
  if (plan->offsets()->size() != static_cast<uint32_t>(num_tensors))
    return invalid("the memory plan has %u offsets for %d tensors", plan->offsets()->size(),
                   num_tensors);
  if (plan->alignment() == 0 || plan->alignment() % kTensorAlignment != 0)
    return invalid("memory plan alignment %u is not a multiple of %" PRIu64, plan->alignment(),
                   kTensorAlignment);
  // State tensors live through every op, as inputs and outputs do, so nothing shares their bytes.
  std::vector<int> live_from_start = graph_inputs, live_to_end = graph_outputs;
  for (int i = 0; i < num_tensors; ++i)
    if (checked->tensors[static_cast<size_t>(i)].is_state) {
      live_from_start.push_back(i);
      live_to_end.push_back(i);
    }
  const std::vector<BufferLifetime> lifetimes =
      tensor_lifetimes(num_tensors, op_tensors, live_from_start, live_to_end);
  std::vector<BufferLifetime> buffers;
  std::vector<uint64_t> offsets;
  checked->arena_offsets.assign(static_cast<size_t>(num_tensors), -1);
  for (int i = 0; i < num_tensors; ++i) {
    const int64_t offset = plan->offsets()->Get(static_cast<uint32_t>(i));
    const TensorView& view = checked->tensors[static_cast<size_t>(i)];
    if (view.data != nullptr) {
      if (offset != -1) return invalid("memory plan places constant tensor %d in the arena", i);
      continue;
    }
    if (lifetimes[static_cast<size_t>(i)].first_use < 0) continue;
    if (offset < 0) return invalid("memory plan has no offset for activation tensor %d", i);
    checked->arena_offsets[static_cast<size_t>(i)] = offset;
    BufferLifetime buffer = lifetimes[static_cast<size_t>(i)];
    buffer.size = view.bytes();
    buffers.push_back(buffer);
    offsets.push_back(static_cast<uint64_t>(offset));
  }
  uint64_t total = 0;
  for (const BufferLifetime& buffer : buffers) {
    const uint64_t size = align_up(buffer.size, plan->alignment());
    total = total > UINT64_MAX - size ? UINT64_MAX : total + size;
  }
  if (plan->arena_size() > total)
    return invalid("memory plan arena size %" PRIu64 " is larger than all activations together (%" PRIu64
                   " bytes)", plan->arena_size(), total);
  return check_memory_plan(buffers, offsets, plan->arena_size(), plan->alignment());
}

}  // namespace

Status check_file_structure(const uint8_t* base, size_t size, const fb::Model** root) {
  const uint8_t* buffer = nullptr;
  size_t buffer_size = 0;
  uint32_t version = 0;
  SPRIG_RETURN_IF_ERROR(check_file_header(base, size, &buffer, &buffer_size, &version));
  if (!fb::ModelBufferHasIdentifier(buffer)) {
    if (flatbuffers::BufferHasIdentifier(buffer, "SPRA"))
      return invalid("this is a LoRA adapter, not a model: bind it to the model it was trained for");
    char found[5] = {0};
    std::memcpy(found, buffer + 4, 4);
    for (char& c : found)
      if (c && (c < 32 || c > 126)) c = '?';
    return invalid("wrong file identifier '%s' (expected 'SPRG')", found);
  }
  flatbuffers::Verifier verifier(buffer, buffer_size);
  if (!fb::VerifyModelBuffer(verifier))
    return invalid("the model's flatbuffer is corrupt (flatbuffers verifier failed)");
  const fb::Model* model = fb::GetModel(buffer);
  if (model->format_version() != version)
    return invalid("format version %u in the flatbuffer does not match the header's %u",
                   model->format_version(), version);
  if (model->graph() == nullptr || model->graph()->tensors() == nullptr ||
      model->graph()->ops() == nullptr)
    return invalid("the model has no graph, tensors or ops");
  *root = model;
  return Status::ok_status();
}

Status check_model_semantics(const uint8_t* base, size_t size, const fb::Model& root,
                             CheckedTensors* out) {
  SPRIG_RETURN_IF_ERROR(check_segments(root.segments(), size));
  SPRIG_RETURN_IF_ERROR(check_tensors(base, root, out));
  std::vector<OpTensorIndices> op_tensors;
  std::vector<int> graph_inputs, graph_outputs;
  SPRIG_RETURN_IF_ERROR(check_ops(root, *out, &op_tensors, &graph_inputs, &graph_outputs));
  return check_plan(root, op_tensors, graph_inputs, graph_outputs, out);
}

}  // namespace sprig
