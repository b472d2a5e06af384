// A shape formatted for an error message, e.g. "[1, 3, 224, 224]".
#pragma once

#include "runtime/core/tensor.h"

namespace sprig::reference {

struct ShapeText {
  explicit ShapeText(const Shape& shape) { shape.format(text, sizeof(text)); }
  char text[200];
};

}  // namespace sprig::reference
