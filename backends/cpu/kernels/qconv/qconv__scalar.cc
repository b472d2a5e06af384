#include "backends/cpu/kernels/qconv/qconv.h"

#include <cstring>

#include "backends/cpu/kernels/qconv/qconv_pack.h"

namespace sprig::cpu {

size_t qconv_panel_bytes(size_t taps, size_t channels) {
  const size_t padded = (channels + 1) / 2 * 2;
  return taps * padded * kQConvNr * sizeof(int16_t) + kQConvNr * (sizeof(int32_t) + sizeof(float));
}

void qconv_pack_weights(const int8_t* w, const int32_t* bias, const float* multipliers, size_t n,
                        size_t taps, size_t channels, void* packed) {
  const size_t padded = (channels + 1) / 2 * 2;
  const size_t panel_bytes = qconv_panel_bytes(taps, channels);
  uint8_t* out = static_cast<uint8_t*>(packed);
  for (size_t p = 0; p * kQConvNr < n; ++p, out += panel_bytes) {
    std::memset(out, 0, panel_bytes);
    int16_t* weights = reinterpret_cast<int16_t*>(out);
    int32_t* panel_bias = reinterpret_cast<int32_t*>(weights + taps * padded * kQConvNr);
    float* panel_multipliers = reinterpret_cast<float*>(panel_bias + kQConvNr);
    for (size_t j = 0; j < kQConvNr && p * kQConvNr + j < n; ++j) {
      const size_t column = p * kQConvNr + j;
      panel_bias[j] = bias ? bias[column] : 0;
      panel_multipliers[j] = multipliers[column];
      for (size_t t = 0; t < taps; ++t)
        for (size_t c = 0; c < channels; ++c)
          weights[((t * padded / 2 + c / 2) * kQConvNr + j) * 2 + c % 2] =
              w[(column * taps + t) * channels + c];
    }
  }
}

void qconv_widen__scalar(const int8_t* x, size_t pixels, size_t channels, size_t padded_channels,
                         int32_t zero_point, int16_t* out) {
  for (size_t p = 0; p < pixels; ++p) {
    for (size_t c = 0; c < channels; ++c)
      out[p * padded_channels + c] = static_cast<int16_t>(x[p * channels + c] - zero_point);
    for (size_t c = channels; c < padded_channels; ++c) out[p * padded_channels + c] = 0;
  }
}

void qconv_4x16__scalar(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                        const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                        const QConvOutput& output) {
  const QConvPanel p = qconv_panel(panel, taps, padded_channels);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < columns; ++j) {
      int32_t acc = p.bias[j];
      for (size_t t = 0; t < taps; ++t) {
        const int16_t* row = a[t * kQConvMr + r];
        const int16_t* w = p.weights + t * padded_channels * kQConvNr;
        for (size_t c = 0; c < padded_channels; ++c)
          acc += row[c] * w[(c / 2 * kQConvNr + j) * 2 + c % 2];
      }
      y[r * y_stride + j] = int8_requantize(acc, p.multipliers[j], output.zero_point, output.range);
    }
  }
}

}  // namespace sprig::cpu
