// int8 depthwise convolution (one input channel per output channel), one output pixel at a time:
//   y[ch] = int8_requantize(bias[ch] + sum over taps t of (x_t[ch] - x_zero) * w[ch][t])
// (runtime/core/int8_arith.h), x_t the input pixel tap t reads, null in the padding (adds 0).
//
// Weights are packed once per op in blocks of kQDwConvBlock channels (the last one padded with 0):
//   [ceil(taps / 2) tap pairs][32] int16, tap pair p holding taps 2p and 2p+1 of the 16 channels
//   in the order of AVX2's unpacklo/unpackhi_epi16 (qdwconv_weight_slot), then 16 int32 biases and
//   16 float multipliers. Thread-safe for disjoint outputs; no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/kernels/qconv/qconv.h"

namespace sprig::cpu {

constexpr size_t kQDwConvBlock = 16;

// Where channel j (< 16) of tap 2p + s sits among tap pair p's 32 int16 weights.
constexpr size_t qdwconv_weight_slot(size_t j, size_t s) {
  return (j % 8 < 4 ? 8 * (j / 8) + 2 * (j % 8) : 16 + 8 * (j / 8) + 2 * (j % 8 - 4)) + s;
}

// Bytes of one packed block of `taps` taps.
size_t qdwconv_block_bytes(size_t taps);

// Packs w [channels][taps] (int8) with bias [channels] (null: 0) and multipliers [channels] into
// ceil(channels / 16) blocks at `packed`.
void qdwconv_pack(const int8_t* w, const int32_t* bias, const float* multipliers, size_t taps,
                  size_t channels, void* packed);

// One output pixel of `channels` channels: x[t] for t < taps points at tap t's input pixel
// (channel 0) or is null.
using QDwConvFn = void (*)(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                           const void* packed, int8_t* y, const QConvOutput& output);

struct QDwConvKernels {
  QDwConvFn pixel;
  const char* name;
};

QDwConvKernels select_qdwconv_kernels(const CpuFeatures& features);

void qdwconv__scalar(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                     const void* packed, int8_t* y, const QConvOutput& output);
void qdwconv__avx2_fma(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                       const void* packed, int8_t* y, const QConvOutput& output);

void qdwconv__neon(const int8_t* const* x, size_t taps, size_t channels, int32_t x_zero,
                   const void* packed, int8_t* y, const QConvOutput& output);

}  // namespace sprig::cpu
