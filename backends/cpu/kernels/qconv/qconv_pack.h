// Where the parts of a packed int8 convolution panel (qconv.h) lie.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/kernels/qconv/qconv.h"

namespace sprig::cpu {

struct QConvPanel {
  const int16_t* weights;     // [taps][padded_channels / 2][kQConvNr][2]
  const int32_t* bias;        // [kQConvNr]
  const float* multipliers;   // [kQConvNr]
};

inline QConvPanel qconv_panel(const void* panel, size_t taps, size_t padded_channels) {
  const int16_t* weights = static_cast<const int16_t*>(panel);
  const int32_t* bias =
      reinterpret_cast<const int32_t*>(weights + taps * padded_channels * kQConvNr);
  return QConvPanel{weights, bias, reinterpret_cast<const float*>(bias + kQConvNr)};
}

}  // namespace sprig::cpu
