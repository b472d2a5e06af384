// Quantizing weight arrays: int8 per output channel and int4 group-wise, as the runtime
// dequantizes them (runtime/core/quantization.h: real = scale * (q - zero_point), values rounded
// to nearest with ties to even, then saturated).
#pragma once

#include <cstdint>
#include <vector>

namespace sprig::convert {

// Symmetric int8, one scale per row of `cols` values (a row: one output channel's weights, all
// taps): scale = max|w| / 127 (1 for an all-zero row), q = round(w / scale) in [-127, 127].
struct Int8Rows {
  std::vector<int8_t> q;
  std::vector<float> scales;       // one per row
  std::vector<float> dequantized;  // scale * q, what the runtime computes with
};
Int8Rows quantize_int8_rows(const std::vector<float>& w, int64_t rows, int64_t cols);

// int4 in groups of `group_size` consecutive values (group_size divides w.size()), scales stored
// as f16 (the values are quantized with the f16-rounded scale, so the stored pair is exact):
//   symmetric:  scale = max|w| / 7, q = round(w / scale) in [-7, 7], zero point 0;
//   asymmetric: scale = (max - min) / 15 over the group's range extended to hold 0,
//               zero point z = round(-min / scale) - 8 in [-8, 7], q = round(w / scale) + z in
//               [-8, 7].
// An all-zero group gets scale 1.
struct Int4Groups {
  std::vector<uint8_t> packed;       // two per byte, low nibble first
  std::vector<uint16_t> scales_f16;  // one per group
  std::vector<int8_t> zero_points;   // one per group; empty when symmetric
  std::vector<float> dequantized;    // scale * (q - zero point), what the runtime computes with
};
Int4Groups quantize_int4_groups(const std::vector<float>& w, int64_t group_size, bool asymmetric);

// Signal-to-noise ratio of an approximation, in dB: 10 log10(sum w^2 / sum (w - approx)^2);
// +inf when exact.
double snr_db(const std::vector<float>& w, const std::vector<float>& approx);

}  // namespace sprig::convert
