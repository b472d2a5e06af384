#include "runtime/core/adapter.h"

#include <cmath>
#include <cstring>
#include <new>

#include "runtime/core/file_check.h"

namespace sprig {
namespace {

Status check_structure(const uint8_t* base, size_t size, const fb::Adapter** root) {
  const uint8_t* buffer = nullptr;
  size_t buffer_size = 0;
  uint32_t version = 0;
  SPRIG_RETURN_IF_ERROR(check_file_header(base, size, &buffer, &buffer_size, &version));
  if (!fb::AdapterBufferHasIdentifier(buffer)) {
    if (fb::ModelBufferHasIdentifier(buffer))
      return invalid("this is a model, not a LoRA adapter (file identifier 'SPRG', expected 'SPRA')");
    return invalid("not a LoRA adapter: the file identifier is not 'SPRA'");
  }
  flatbuffers::Verifier verifier(buffer, buffer_size);
  if (!fb::VerifyAdapterBuffer(verifier))
    return invalid("the adapter's flatbuffer is corrupt (flatbuffers verifier failed)");
  const fb::Adapter* adapter = fb::GetAdapter(buffer);
  if (adapter->format_version() != version)
    return invalid("format version %u in the flatbuffer does not match the header's %u",
                   adapter->format_version(), version);
  if (adapter->format_version() > kAdapterFormatVersion)
    return Status::error(Code::kUnsupported,
                         "adapter format version %u is newer than this runtime, which reads %u",
                         adapter->format_version(), kAdapterFormatVersion);
  if (adapter->tensors() == nullptr || adapter->targets() == nullptr ||
      adapter->targets()->size() == 0)
    return invalid("the adapter has no tensors or no targets");
  if (adapter->base_content_hash() == nullptr || adapter->base_content_hash()->size() == 0)
    return invalid("the adapter does not name the base model's content hash");
  *root = adapter;
  return Status::ok_status();
}

Status check_tensors(const uint8_t* base, const fb::Adapter& root, std::vector<TensorView>* out) {
  const auto* tensors = root.tensors();
  out->resize(tensors->size());
  for (uint32_t i = 0; i < tensors->size(); ++i) {
    const fb::Tensor* tensor = tensors->Get(i);
    const int index = static_cast<int>(i);
    TensorView& view = (*out)[i];
    view.dtype = tensor->dtype();
    if (view.dtype != DType::F32 && view.dtype != DType::F16)
      return invalid("adapter tensor %d '%s' is %s; LoRA matrices are F32 or F16", index,
                     tensor_label(tensor), dtype_is_valid(view.dtype) ? dtype_name(view.dtype) : "of an unknown dtype");
    SPRIG_RETURN_IF_ERROR(check_shape(index, tensor, &view.shape));
    if (view.shape.rank != 2)
      return invalid("adapter tensor %d '%s' has rank %d; LoRA matrices have rank 2", index,
                     tensor_label(tensor), view.shape.rank);
    SPRIG_RETURN_IF_ERROR(check_constant_data(base, root.buffers(), root.segments(), index, tensor, &view));
  }
  return Status::ok_status();
}

Status check_target(const fb::LoraTarget* t, uint32_t index, const std::vector<TensorView>& tensors,
                    LoraTarget* out) {
  const char* name = t->weight() != nullptr ? t->weight()->c_str() : "";
  if (*name == '\0') return invalid("adapter target %u names no weight", index);
  const auto in_range = [&](int i) { return i >= 0 && static_cast<size_t>(i) < tensors.size(); };
  if (!in_range(t->a()) || !in_range(t->b()))
    return invalid("adapter target %u '%s': A (%d) or B (%d) is not one of its %zu tensors", index,
                   name, t->a(), t->b(), tensors.size());
  const TensorView& a = tensors[static_cast<size_t>(t->a())];
  const TensorView& b = tensors[static_cast<size_t>(t->b())];
  if (t->rank() < 1 || a.shape[0] != t->rank() || b.shape[1] != t->rank() || a.shape[1] < 1 ||
      b.shape[0] < 1)
    return invalid("adapter target %u '%s': A [%lld, %lld] and B [%lld, %lld] do not have rank %d",
                   index, name, static_cast<long long>(a.shape[0]), static_cast<long long>(a.shape[1]),
                   static_cast<long long>(b.shape[0]), static_cast<long long>(b.shape[1]), t->rank());
  if (!std::isfinite(t->scaling()) || !std::isfinite(t->alpha()))
    return invalid("adapter target %u '%s': scaling %g or alpha %g is not finite", index, name,
                   static_cast<double>(t->scaling()), static_cast<double>(t->alpha()));
  out->weight = name;
  out->rank = t->rank();
  out->alpha = t->alpha();
  out->scaling = t->scaling();
  out->a = &a;
  out->b = &b;
  return Status::ok_status();
}

}  // namespace

Result<std::unique_ptr<Adapter>> Adapter::load(const char* path) {
  if (path == nullptr) return Status(Code::kInvalidArgument, "adapter path is null");
  std::unique_ptr<Adapter> adapter(new (std::nothrow) Adapter());
  if (!adapter) return Status(Code::kOutOfMemory, "out of memory creating the adapter");
  SPRIG_RETURN_IF_ERROR(adapter->file_.open(path));
  adapter->base_ = adapter->file_.data();
  adapter->size_ = adapter->file_.size();
  return verify(std::move(adapter));
}

Result<std::unique_ptr<Adapter>> Adapter::load_from_memory(const void* data, size_t size) {
  if (data == nullptr) return Status(Code::kInvalidArgument, "adapter data is null");
  std::unique_ptr<Adapter> adapter(new (std::nothrow) Adapter());
  if (!adapter) return Status(Code::kOutOfMemory, "out of memory creating the adapter");
  adapter->base_ = static_cast<const uint8_t*>(data);
  adapter->size_ = size;
  return verify(std::move(adapter));
}

Result<std::unique_ptr<Adapter>> Adapter::verify(std::unique_ptr<Adapter> adapter) {
  SPRIG_RETURN_IF_ERROR(check_structure(adapter->base_, adapter->size_, &adapter->root_));
  const fb::Adapter& root = *adapter->root_;
  SPRIG_RETURN_IF_ERROR(check_segments(root.segments(), adapter->size_));
  SPRIG_RETURN_IF_ERROR(check_tensors(adapter->base_, root, &adapter->tensors_));
  adapter->targets_.resize(root.targets()->size());
  for (uint32_t i = 0; i < root.targets()->size(); ++i) {
    SPRIG_RETURN_IF_ERROR(
        check_target(root.targets()->Get(i), i, adapter->tensors_, &adapter->targets_[i]));
    for (uint32_t j = 0; j < i; ++j)
      if (std::strcmp(adapter->targets_[j].weight, adapter->targets_[i].weight) == 0)
        return invalid("adapter targets %u and %u both adapt '%s'", j, i, adapter->targets_[i].weight);
  }
  return adapter;
}

const char* Adapter::base_content_hash() const { return root_->base_content_hash()->c_str(); }

}  // namespace sprig
