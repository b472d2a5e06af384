#include "backends/cpu/kernels/qconv/qconv.h"

#include <cstring>

#include "backends/cpu/kernels/qconv/qconv_pack.h"

namespace sprig::cpu {

namespace {

// Bytes of a panel of Packed weights in groups of kGroup channels.
template <typename Packed, size_t kGroup>
size_t panel_bytes(size_t taps, size_t channels) {
  const size_t padded = (channels + kGroup - 1) / kGroup * kGroup;
  return taps * padded * kQConvNr * sizeof(Packed) + kQConvNr * (sizeof(int32_t) + sizeof(float));
}

// Packs w into panels of [taps][channel groups][kQConvNr][kGroup] Packed, then the biases less
// x_zero x each column's weight sum, then the multipliers (1 when null).
template <typename Packed, size_t kGroup, typename Weight>
void pack_panels(const Weight* w, const int32_t* bias, const float* multipliers, int32_t x_zero,
                 size_t n, size_t taps, size_t channels, void* packed) {
  const size_t padded = (channels + kGroup - 1) / kGroup * kGroup;
  const size_t bytes = panel_bytes<Packed, kGroup>(taps, channels);
  uint8_t* out = static_cast<uint8_t*>(packed);
  for (size_t p = 0; p * kQConvNr < n; ++p, out += bytes) {
    std::memset(out, 0, bytes);
    Packed* weights = reinterpret_cast<Packed*>(out);
    int32_t* panel_bias = reinterpret_cast<int32_t*>(weights + taps * padded * kQConvNr);
    float* panel_multipliers = reinterpret_cast<float*>(panel_bias + kQConvNr);
    for (size_t j = 0; j < kQConvNr && p * kQConvNr + j < n; ++j) {
      const size_t column = p * kQConvNr + j;
      int32_t sum = 0;
      for (size_t t = 0; t < taps; ++t) {
        for (size_t c = 0; c < channels; ++c) {
          const Weight v = w[(column * taps + t) * channels + c];
          weights[((t * padded / kGroup + c / kGroup) * kQConvNr + j) * kGroup + c % kGroup] =
              static_cast<Packed>(v);
          sum += v;
        }
      }
      panel_bias[j] = (bias ? bias[column] : 0) - x_zero * sum;
      panel_multipliers[j] = multipliers ? multipliers[column] : 1.0f;
    }
  }
}

// The sums of one tile, bias included: acc[r][j], wrapping modulo 2^32 (Winograd's sums may
// pass through int32 overflow on their way to an exact result).
void accumulate(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                const int16_t* const* a, const QConvPanel& p, int32_t acc[kQConvMr][kQConvNr]) {
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < columns; ++j) {
      uint32_t sum = static_cast<uint32_t>(p.bias[j]);
      for (size_t t = 0; t < taps; ++t) {
        const int16_t* row = a[t * kQConvMr + r];
        const int16_t* w = p.weights + t * padded_channels * kQConvNr;
        for (size_t c = 0; c < padded_channels; ++c)
          sum += static_cast<uint32_t>(row[c] * w[(c / 2 * kQConvNr + j) * 2 + c % 2]);
      }
      acc[r][j] = static_cast<int32_t>(sum);
    }
  }
}

}  // namespace

size_t qconv_panel_bytes(size_t taps, size_t channels) {
  return panel_bytes<int16_t, 2>(taps, channels);
}

void qconv_pack_weights(const int8_t* w, const int32_t* bias, const float* multipliers, size_t n,
                        size_t taps, size_t channels, void* packed) {
  pack_panels<int16_t, 2>(w, bias, multipliers, 0, n, taps, channels, packed);
}

void qconv_pack_weights(const int16_t* w, size_t n, size_t taps, size_t channels, void* packed) {
  pack_panels<int16_t, 2>(w, nullptr, nullptr, 0, n, taps, channels, packed);
}

size_t qconv_dot_panel_bytes(size_t taps, size_t channels) {
  return panel_bytes<int8_t, 4>(taps, channels);
}

void qconv_dot_pack_weights(const int8_t* w, const int32_t* bias, const float* multipliers,
                            int32_t x_zero, size_t n, size_t taps, size_t channels, void* packed) {
  pack_panels<int8_t, 4>(w, bias, multipliers, x_zero, n, taps, channels, packed);
}

void qconv_dot_4x16__scalar(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                            const int8_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                            const QConvOutput& output) {
  const auto p = qconv_dot_panel(panel, taps, padded_channels);
  const int8_t* weights = p.weights;
  const int32_t* bias = p.bias;
  const float* multipliers = p.multipliers;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < columns; ++j) {
      uint32_t sum = static_cast<uint32_t>(bias[j]);
      for (size_t t = 0; t < taps; ++t) {
        const int8_t* row = a[t * kQConvMr + r];
        const int8_t* w = weights + t * padded_channels * kQConvNr;
        for (size_t c = 0; c < padded_channels; ++c)
          sum += static_cast<uint32_t>(row[c] * w[(c / 4 * kQConvNr + j) * 4 + c % 4]);
      }
      y[r * y_stride + j] = int8_requantize(static_cast<int32_t>(sum), multipliers[j],
                                            output.zero_point, output.range);
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
  int32_t acc[kQConvMr][kQConvNr];
  accumulate(rows, columns, taps, padded_channels, a, p, acc);
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < columns; ++j)
      y[r * y_stride + j] =
          int8_requantize(acc[r][j], p.multipliers[j], output.zero_point, output.range);
}

void qgemm_4x16_i32__scalar(size_t rows, size_t columns, size_t padded_channels,
                            const int16_t* const* a, const void* panel, int32_t* c,
                            size_t c_stride) {
  const QConvPanel p = qconv_panel(panel, 1, padded_channels);
  int32_t acc[kQConvMr][kQConvNr];
  accumulate(rows, columns, 1, padded_channels, a, p, acc);
  for (size_t r = 0; r < rows; ++r)
    std::memcpy(c + r * c_stride, acc[r], columns * sizeof(int32_t));
}

}  // namespace sprig::cpu
