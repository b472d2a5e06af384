#include "runtime/core/model.h"

#include "runtime/core/model_check.h"

namespace sprig {

Result<std::unique_ptr<Model>> Model::load(const char* path) {
  if (path == nullptr) return Status(Code::kInvalidArgument, "model path is null");
  std::unique_ptr<Model> model(new (std::nothrow) Model());
  if (!model) return Status(Code::kOutOfMemory, "out of memory creating the model");
  SPRIG_RETURN_IF_ERROR(model->file_.open(path));
  model->base_ = model->file_.data();
  model->size_ = model->file_.size();
  return verify(std::move(model));
}

Result<std::unique_ptr<Model>> Model::load_from_memory(const void* data, size_t size) {
  if (data == nullptr) return Status(Code::kInvalidArgument, "model data is null");
  std::unique_ptr<Model> model(new (std::nothrow) Model());
  if (!model) return Status(Code::kOutOfMemory, "out of memory creating the model");
  model->base_ = static_cast<const uint8_t*>(data);
  model->size_ = size;
  return verify(std::move(model));
}

Result<std::unique_ptr<Model>> Model::verify(std::unique_ptr<Model> model) {
  SPRIG_RETURN_IF_ERROR(check_file_structure(model->base_, model->size_, &model->root_));
  CheckedTensors checked;
  SPRIG_RETURN_IF_ERROR(check_model_semantics(model->base_, model->size_, *model->root_, &checked));
  model->tensors_ = std::move(checked.tensors);
  model->arena_offsets_ = std::move(checked.arena_offsets);
  return model;
}

const char* Model::tensor_name(int index) const {
  return graph().tensors()->Get(static_cast<flatbuffers::uoffset_t>(index))->name()->c_str();
}

const char* Model::content_hash() const {
  const fb::Metadata* metadata = root_->metadata();
  if (metadata == nullptr || metadata->content_hash() == nullptr) return "";
  return metadata->content_hash()->c_str();
}

}  // namespace sprig
