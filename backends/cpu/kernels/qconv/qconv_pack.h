// Where the parts of a packed int8 convolution panel (qconv.h) lie.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/kernels/qconv/qconv.h"

namespace sprig::cpu {

// Packed: int16_t for the multiply-add form ([taps][padded_channels / 2][kQConvNr][2]), int8_t for
// the dot-product form ([taps][padded_channels / 4][kQConvNr][4]).
template <typename Packed>
struct QConvPanelOf {
  const Packed* weights;
  const int32_t* bias;        // [kQConvNr]
  const float* multipliers;   // [kQConvNr]
};

template <typename Packed>
QConvPanelOf<Packed> qconv_panel_of(const void* panel, size_t taps, size_t padded_channels) {
  const Packed* weights = static_cast<const Packed*>(panel);
  const int32_t* bias =
      reinterpret_cast<const int32_t*>(weights + taps * padded_channels * kQConvNr);
  return QConvPanelOf<Packed>{weights, bias, reinterpret_cast<const float*>(bias + kQConvNr)};
}

using QConvPanel = QConvPanelOf<int16_t>;
inline QConvPanel qconv_panel(const void* panel, size_t taps, size_t padded_channels) {
  return qconv_panel_of<int16_t>(panel, taps, padded_channels);
}
inline QConvPanelOf<int8_t> qconv_dot_panel(const void* panel, size_t taps,
                                            size_t padded_channels) {
  return qconv_panel_of<int8_t>(panel, taps, padded_channels);
}

}  // namespace sprig::cpu
