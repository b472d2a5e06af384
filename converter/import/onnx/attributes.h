// Typed access to a node's attributes. Getters throw kInvalidModel when an attribute has the
// wrong type; allow() throws kUnsupported naming the first attribute the op's importer does not
// handle, so nothing is silently ignored.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "onnx/onnx_pb.h"

namespace sprig::convert::onnx_import {

class Attributes {
 public:
  explicit Attributes(const onnx::NodeProto& node) : node_(node) {}

  void allow(std::initializer_list<const char*> known) const;
  bool has(const std::string& name) const { return find(name) != nullptr; }

  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name) const;        // empty when absent
  std::vector<float> get_floats(const std::string& name) const;        // empty when absent
  const onnx::TensorProto* get_tensor(const std::string& name) const;  // null when absent

 private:
  const onnx::AttributeProto* find(const std::string& name) const;
  const onnx::AttributeProto* find_typed(const std::string& name,
                                         onnx::AttributeProto::AttributeType type) const;

  const onnx::NodeProto& node_;
};

}  // namespace sprig::convert::onnx_import
