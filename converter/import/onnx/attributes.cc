#include "converter/import/onnx/attributes.h"

#include "converter/ir/error.h"

namespace sprig::convert::onnx_import {

void Attributes::allow(std::initializer_list<const char*> known) const {
  for (const onnx::AttributeProto& attribute : node_.attribute()) {
    bool listed = false;
    for (const char* name : known) listed = listed || attribute.name() == name;
    if (!listed) fail(Code::kUnsupported, "attribute '" + attribute.name() + "' not supported");
  }
}

const onnx::AttributeProto* Attributes::find(const std::string& name) const {
  for (const onnx::AttributeProto& attribute : node_.attribute())
    if (attribute.name() == name) return &attribute;
  return nullptr;
}

const onnx::AttributeProto* Attributes::find_typed(const std::string& name,
                                                   onnx::AttributeProto::AttributeType type) const {
  const onnx::AttributeProto* attribute = find(name);
  if (attribute == nullptr) return nullptr;
  if (!attribute->ref_attr_name().empty())
    fail(Code::kUnsupported, "attribute '" + name + "' refers to a function attribute");
  if (attribute->type() != type && attribute->type() != onnx::AttributeProto::UNDEFINED)
    fail(Code::kInvalidModel, "attribute '" + name + "' has type " +
                                  onnx::AttributeProto::AttributeType_Name(attribute->type()) +
                                  ", expected " + onnx::AttributeProto::AttributeType_Name(type));
  return attribute;
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  const onnx::AttributeProto* a = find_typed(name, onnx::AttributeProto::INT);
  return a ? a->i() : fallback;
}

float Attributes::get_float(const std::string& name, float fallback) const {
  const onnx::AttributeProto* a = find_typed(name, onnx::AttributeProto::FLOAT);
  return a ? a->f() : fallback;
}

std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  const onnx::AttributeProto* a = find_typed(name, onnx::AttributeProto::STRING);
  return a ? a->s() : fallback;
}

std::vector<int64_t> Attributes::get_ints(const std::string& name) const {
  const onnx::AttributeProto* a = find_typed(name, onnx::AttributeProto::INTS);
  if (!a) return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<float> Attributes::get_floats(const std::string& name) const {
  const onnx::AttributeProto* a = find_typed(name, onnx::AttributeProto::FLOATS);
  if (!a) return {};
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

const onnx::TensorProto* Attributes::get_tensor(const std::string& name) const {
  const onnx::AttributeProto* a = find_typed(name, onnx::AttributeProto::TENSOR);
  return a ? &a->t() : nullptr;
}

}  // namespace sprig::convert::onnx_import
