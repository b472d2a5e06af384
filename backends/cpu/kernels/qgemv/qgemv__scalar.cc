// Weight-only quantized GEMV in portable C++, over f32 x and over x quantized by quantize_rows_q8
// (and that quantizer): the reference for the SIMD kernels' tests and the kernels of CPUs without
// them.
#include <cmath>

#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {
namespace {

float clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

int nibble(const uint8_t* row, size_t k) {
  const int v = (k % 2 == 0) ? (row[k / 2] & 0x0F) : (row[k / 2] >> 4);
  return v >= 8 ? v - 16 : v;
}

}  // namespace

void q8c_gemv_f32__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  for (size_t n = n0; n < n1; ++n) {
    const int8_t* q = w.q8 + n * w.k;
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t m = 0; m < args.rows; ++m) {
      const float* x = args.x + m * args.x_stride;
      float acc = 0.0f;
      for (size_t k = 0; k < w.k; ++k) acc += x[k] * static_cast<float>(q[k]);
      args.y[m * args.y_stride + n] = clamp(bias + w.channel_scales[n] * acc, args.min, args.max);
    }
  }
}

void q4g_gemv_f32__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  const size_t groups = w.k / w.group;
  for (size_t n = n0; n < n1; ++n) {
    const uint8_t* q = w.q4 + n * (w.k / 2);
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t m = 0; m < args.rows; ++m) {
      const float* x = args.x + m * args.x_stride;
      float acc = 0.0f;
      for (size_t g = 0; g < groups; ++g) {
        const int zero = w.group_zeros != nullptr ? w.group_zeros[n * groups + g] : 0;
        float dot = 0.0f;
        for (size_t k = g * w.group; k < (g + 1) * w.group; ++k)
          dot += x[k] * static_cast<float>(nibble(q, k) - zero);
        acc += f16_to_f32(w.group_scales[n * groups + g]) * dot;
      }
      args.y[m * args.y_stride + n] = clamp(bias + acc, args.min, args.max);
    }
  }
}

void q4_prepare_x(const float* x, size_t x_stride, size_t rows, size_t k, float* x_nibble_order,
                  float* block_sums) {
  for (size_t m = 0; m < rows; ++m) {
    const float* row = x + m * x_stride;
    float* out = x_nibble_order + m * k;
    for (size_t b = 0; b < k / 32; ++b) {
      float sum = 0.0f;
      for (size_t j = 0; j < 16; ++j) {
        out[b * 32 + j] = row[b * 32 + 2 * j];
        out[b * 32 + 16 + j] = row[b * 32 + 2 * j + 1];
        sum += row[b * 32 + 2 * j] + row[b * 32 + 2 * j + 1];
      }
      block_sums[m * (k / 32) + b] = sum;
    }
  }
}

void quantize_rows_q8(const float* x, size_t x_stride, size_t rows, size_t k, bool q4_order,
                      int8_t* q, float* scales, float* sums) {
  const size_t blocks = k / 32;
  for (size_t m = 0; m < rows; ++m) {
    for (size_t b = 0; b < blocks; ++b) {
      const float* in = x + m * x_stride + b * 32;
      int8_t* out = q + m * k;
      float amax = 0.0f;
      for (size_t j = 0; j < 32; ++j) amax = std::fmax(amax, std::fabs(in[j]));
      const float d = amax / 127.0f;
      const float inverse = amax > 0.0f ? 127.0f / amax : 0.0f;
      int sum = 0;
      for (size_t j = 0; j < 32; ++j) {
        const int v = static_cast<int>(std::nearbyint(in[j] * inverse));
        const int8_t clamped = static_cast<int8_t>(v > 127 ? 127 : (v < -127 ? -127 : v));
        const size_t e = b * 32 + j;
        out[q4_order ? q4_order_position(e, k) : e] = clamped;
        sum += clamped;
      }
      scales[m * blocks + b] = d;
      sums[m * blocks + b] = d * static_cast<float>(sum);
    }
  }
}

void q8c_gemv_q8__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  const size_t blocks = w.k / 32;
  for (size_t n = n0; n < n1; ++n) {
    const int8_t* q = w.q8 + n * w.k;
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t m = 0; m < args.rows; ++m) {
      const int8_t* x = args.x_q8 + m * w.k;
      float acc = 0.0f;
      for (size_t b = 0; b < blocks; ++b) {
        int32_t dot = 0;
        for (size_t j = b * 32; j < b * 32 + 32; ++j) dot += int32_t{x[j]} * q[j];
        acc += args.x_q8_scales[m * blocks + b] * static_cast<float>(dot);
      }
      args.y[m * args.y_stride + n] = clamp(bias + w.channel_scales[n] * acc, args.min, args.max);
    }
  }
}

void q4g_gemv_q8__scalar(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  const size_t blocks = w.k / 32, groups = w.k / w.group, per_group = w.group / 32;
  for (size_t n = n0; n < n1; ++n) {
    const uint8_t* q = w.q4 + n * (w.k / 2);
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t m = 0; m < args.rows; ++m) {
      const int8_t* x = args.x_q8 + m * w.k;
      float acc = 0.0f;
      for (size_t b = 0; b < blocks; ++b) {
        const size_t g = b / per_group;
        const int zero = w.group_zeros != nullptr ? w.group_zeros[n * groups + g] : 0;
        int32_t dot = 0;
        for (size_t e = b * 32; e < b * 32 + 32; ++e)
          dot += int32_t{x[q4_order_position(e, w.k)]} * (nibble(q, e) - zero);
        acc += f16_to_f32(w.group_scales[n * groups + g]) * args.x_q8_scales[m * blocks + b] *
               static_cast<float>(dot);
      }
      args.y[m * args.y_stride + n] = clamp(bias + acc, args.min, args.max);
    }
  }
}

}  // namespace sprig::cpu
