#include "converter/quantize/weight_quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/core/tensor.h"

namespace sprig::convert {
namespace {

int32_t round_saturate(float value, int32_t lo, int32_t hi) {
  const float r = std::nearbyint(value);
  if (!(r >= static_cast<float>(lo))) return lo;  // also NaN
  if (r > static_cast<float>(hi)) return hi;
  return static_cast<int32_t>(r);
}

}  // namespace

Int8Rows quantize_int8_rows(const std::vector<float>& w, int64_t rows, int64_t cols) {
  Int8Rows out;
  out.q.resize(w.size());
  out.scales.resize(static_cast<size_t>(rows));
  out.dequantized.resize(w.size());
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = w.data() + r * cols;
    float amax = 0.0f;
    for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(row[c]));
    const float scale = amax > 0.0f ? amax / 127.0f : 1.0f;
    out.scales[static_cast<size_t>(r)] = scale;
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r * cols + c);
      out.q[i] = static_cast<int8_t>(round_saturate(row[c] / scale, -127, 127));
      out.dequantized[i] = scale * static_cast<float>(out.q[i]);
    }
  }
  return out;
}

Int4Groups quantize_int4_groups(const std::vector<float>& w, int64_t group_size, bool asymmetric) {
  Int4Groups out;
  const int64_t n = static_cast<int64_t>(w.size());
  const int64_t groups = n / group_size;
  out.packed.assign(static_cast<size_t>((n + 1) / 2), 0);
  out.scales_f16.resize(static_cast<size_t>(groups));
  if (asymmetric) out.zero_points.resize(static_cast<size_t>(groups));
  out.dequantized.resize(w.size());
  for (int64_t g = 0; g < groups; ++g) {
    const float* x = w.data() + g * group_size;
    float lo = 0.0f, hi = 0.0f, amax = 0.0f;
    for (int64_t i = 0; i < group_size; ++i) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
      amax = std::max(amax, std::fabs(x[i]));
    }
    float scale = asymmetric ? (hi - lo) / 15.0f : amax / 7.0f;
    if (!(scale > 0.0f)) scale = 1.0f;
    const uint16_t bits = f32_to_f16(scale);
    scale = f16_to_f32(bits);
    if (!(scale > 0.0f)) scale = f16_to_f32(f32_to_f16(1.0f));  // underflowed to zero
    out.scales_f16[static_cast<size_t>(g)] = f32_to_f16(scale);
    int32_t zero = 0;
    if (asymmetric) {
      zero = round_saturate(-lo / scale, 0, 15) - 8;
      out.zero_points[static_cast<size_t>(g)] = static_cast<int8_t>(zero);
    }
    for (int64_t i = 0; i < group_size; ++i) {
      const int32_t q = asymmetric ? round_saturate(x[i] / scale + static_cast<float>(zero), -8, 7)
                                   : round_saturate(x[i] / scale, -7, 7);
      const int64_t index = g * group_size + i;
      out.dequantized[static_cast<size_t>(index)] = scale * static_cast<float>(q - zero);
      const uint8_t nibble = static_cast<uint8_t>(q & 0x0F);
      out.packed[static_cast<size_t>(index / 2)] |=
          static_cast<uint8_t>(index % 2 == 0 ? nibble : nibble << 4);
    }
  }
  return out;
}

double snr_db(const std::vector<float>& w, const std::vector<float>& approx) {
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < w.size(); ++i) {
    signal += double(w[i]) * w[i];
    const double d = double(w[i]) - approx[i];
    noise += d * d;
  }
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace sprig::convert
