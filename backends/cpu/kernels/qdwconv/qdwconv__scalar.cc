#include <cstring>

#include "backends/cpu/kernels/qdwconv/qdwconv.h"
#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

size_t qdwconv_block_bytes(size_t taps) {
  return (taps + 1) / 2 * 32 * sizeof(int16_t) + kQDwConvBlock * (sizeof(int32_t) + sizeof(float));
}

void qdwconv_pack(const int8_t* w, const int32_t* bias, const float* multipliers, size_t taps,
                  size_t channels, void* packed) {
  const size_t pairs = (taps + 1) / 2;
  const size_t block_bytes = qdwconv_block_bytes(taps);
  uint8_t* out = static_cast<uint8_t*>(packed);
  for (size_t c0 = 0; c0 < channels; c0 += kQDwConvBlock, out += block_bytes) {
    std::memset(out, 0, block_bytes);
    int16_t* weights = reinterpret_cast<int16_t*>(out);
    int32_t* block_bias = reinterpret_cast<int32_t*>(weights + pairs * 32);
    float* block_multipliers = reinterpret_cast<float*>(block_bias + kQDwConvBlock);
    for (size_t j = 0; j < kQDwConvBlock && c0 + j < channels; ++j) {
      block_bias[j] = bias ? bias[c0 + j] : 0;
      block_multipliers[j] = multipliers[c0 + j];
      for (size_t t = 0; t < taps; ++t)
        weights[t / 2 * 32 + qdwconv_weight_slot(j, t % 2)] = w[(c0 + j) * taps + t];
    }
  }
}

void qdwconv__scalar(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                     const void* packed, int8_t* y, const QConvOutput& output) {
  const size_t pairs = (taps + 1) / 2;
  const uint8_t* block = static_cast<const uint8_t*>(packed);
  for (size_t c0 = 0; c0 < channels; c0 += kQDwConvBlock, block += qdwconv_block_bytes(taps)) {
    const int16_t* weights = reinterpret_cast<const int16_t*>(block);
    const int32_t* bias = reinterpret_cast<const int32_t*>(weights + pairs * 32);
    const float* multipliers = reinterpret_cast<const float*>(bias + kQDwConvBlock);
    for (size_t j = 0; j < kQDwConvBlock && c0 + j < channels; ++j) {
      int32_t acc = bias[j];
      for (size_t t = 0; t < taps; ++t)
        if (x[t] != nullptr)
          acc += (x[t][c0 + j] - x_zero) * weights[t / 2 * 32 + qdwconv_weight_slot(j, t % 2)];
      y[c0 + j] = int8_requantize(acc, multipliers[j], output.zero_point, output.range);
    }
  }
}

}  // namespace sprig::cpu
