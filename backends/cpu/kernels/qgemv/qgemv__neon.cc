// Weight-only quantized GEMV with NEON (aarch64, and armv7 with NEON + VFPv4): the AVX2 kernels'
// scheme with four lanes. int8 weights are widened 8 at a time (vmovl + vcvtq); int4 weights 32
// at a time, low and high nibbles apart, against x rearranged by q4_prepare_x, with the offset of
// 8 and the zero point taken out per group through x's block sums.
#if defined(__aarch64__) || defined(__arm__)
#include <arm_neon.h>

#include "backends/cpu/kernels/common/simd_neon.h"
#include "backends/cpu/kernels/qgemv/qgemv.h"
#include "backends/cpu/kernels/qgemv/qgemv_rows.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {
namespace {

using simd::Neon;

template <size_t kRows>
void q8c_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const float* x[kRows];
  for (size_t r = 0; r < kRows; ++r) x[r] = args.x + (m0 + r) * args.x_stride;
  const size_t k8 = w.k / 8 * 8;
  for (size_t n = n0; n < n1; ++n) {
    const int8_t* q = w.q8 + n * w.k;
    float32x4_t acc[kRows];
    for (size_t r = 0; r < kRows; ++r) acc[r] = vdupq_n_f32(0.0f);
    for (size_t k = 0; k < k8; k += 8) {
      const int16x8_t wide = vmovl_s8(vld1_s8(q + k));
      const float32x4_t w0 = vcvtq_f32_s32(vmovl_s16(vget_low_s16(wide)));
      const float32x4_t w1 = vcvtq_f32_s32(vmovl_s16(vget_high_s16(wide)));
      for (size_t r = 0; r < kRows; ++r) {
        acc[r] = Neon::fma(vld1q_f32(x[r] + k), w0, acc[r]);
        acc[r] = Neon::fma(vld1q_f32(x[r] + k + 4), w1, acc[r]);
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r) {
      float sum = Neon::reduce_add(acc[r]);
      for (size_t k = k8; k < w.k; ++k) sum += x[r][k] * static_cast<float>(q[k]);
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + w.channel_scales[n] * sum, args.min, args.max);
    }
  }
}

// Sixteen bytes of values 0..15 as four float vectors, in byte order.
inline void widen16(uint8x16_t v, float32x4_t out[4]) {
  const uint16x8_t lo = vmovl_u8(vget_low_u8(v));
  const uint16x8_t hi = vmovl_u8(vget_high_u8(v));
  out[0] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
  out[1] = vcvtq_f32_u32(vmovl_u16(vget_high_u16(lo)));
  out[2] = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
  out[3] = vcvtq_f32_u32(vmovl_u16(vget_high_u16(hi)));
}

template <size_t kRows>
void q4g_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const float* x[kRows];
  const float* sums[kRows];
  const size_t blocks = w.k / 32, blocks_per_group = w.group / 32;
  for (size_t r = 0; r < kRows; ++r) {
    x[r] = args.x_nibble_order + (m0 + r) * w.k;
    sums[r] = args.x_block_sums + (m0 + r) * blocks;
  }
  const size_t groups = w.k / w.group;
  const uint8x16_t low_nibbles = vdupq_n_u8(0x0F);
  const uint8x16_t flip = vdupq_n_u8(0x88);
  for (size_t n = n0; n < n1; ++n) {
    const uint8_t* q = w.q4 + n * (w.k / 2);
    const uint16_t* scales = w.group_scales + n * groups;
    const int8_t* zeros = w.group_zeros != nullptr ? w.group_zeros + n * groups : nullptr;
    float32x4_t acc[kRows];
    float offset[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      acc[r] = vdupq_n_f32(0.0f);
      offset[r] = 0.0f;
    }
    for (size_t g = 0; g < groups; ++g) {
      float32x4_t dot[kRows];
      float group_sum[kRows];
      for (size_t r = 0; r < kRows; ++r) {
        dot[r] = vdupq_n_f32(0.0f);
        group_sum[r] = 0.0f;
      }
      for (size_t b = g * blocks_per_group; b < (g + 1) * blocks_per_group; ++b) {
        // Flipping bit 3 of each two's-complement nibble gives its value plus 8, in 0..15.
        const uint8x16_t bytes = veorq_u8(vld1q_u8(q + b * 16), flip);
        float32x4_t f[8];
        widen16(vandq_u8(bytes, low_nibbles), f);
        widen16(vshrq_n_u8(bytes, 4), f + 4);
        for (size_t r = 0; r < kRows; ++r) {
          const float* xb = x[r] + b * 32;
          float32x4_t d0 = dot[r], d1 = vdupq_n_f32(0.0f);  // two chains of FMAs
          for (int i = 0; i < 8; i += 2) {
            d0 = Neon::fma(vld1q_f32(xb + 4 * i), f[i], d0);
            d1 = Neon::fma(vld1q_f32(xb + 4 * i + 4), f[i + 1], d1);
          }
          dot[r] = vaddq_f32(d0, d1);
          group_sum[r] += sums[r][b];
        }
      }
      const float scale = f16_to_f32(scales[g]);
      const float shift = scale * (8.0f + (zeros != nullptr ? zeros[g] : 0));
      for (size_t r = 0; r < kRows; ++r) {
        acc[r] = Neon::fma(dot[r], vdupq_n_f32(scale), acc[r]);
        offset[r] += shift * group_sum[r];
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r)
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + (Neon::reduce_add(acc[r]) - offset[r]), args.min, args.max);
  }
}

}  // namespace

void q8c_gemv_f32__neon(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q8c_rows<1>, q8c_rows<2>, q8c_rows<3>, q8c_rows<4>>(w, args, n0, n1);
}

void q4g_gemv_f32__neon(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q4g_rows<1>, q4g_rows<2>, q4g_rows<3>, q4g_rows<4>>(w, args, n0, n1);
}

}  // namespace sprig::cpu
#endif  // defined(__aarch64__) || defined(__arm__)
