// The dot-product GEMV kernels (qgemv.h, *_gemv_q8) with the Armv8.2 dot product: sdot sums four
// int8 products per int32 lane, so a block of 32 weights against 32 quantized values of x is two
// sdot into four lanes. Four blocks' lanes are folded by pairwise adds into one vector (lane j:
// block j) and scaled there by the four blocks' scales at once. int4 nibbles are sign-extended in
// registers (no offset), so a group's zero point z enters as - z * (d * sum x_q), from
// quantize_rows_q8's sums. Compiled for aarch64 with +dotprod, picked at run time when the CPU has
// it.
#include "backends/cpu/kernels/qgemv/qgemv.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include "backends/cpu/kernels/qgemv/qgemv_rows.h"
#include "runtime/core/tensor.h"

namespace sprig::cpu {
namespace {

// Lane j: the sum of the four lanes of p[j].
inline int32x4_t sum_each4(const int32x4_t p[4]) {
  return vpaddq_s32(vpaddq_s32(p[0], p[1]), vpaddq_s32(p[2], p[3]));
}

template <size_t kRows>
void q8c_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const size_t blocks = w.k / 32;
  const int8_t* x[kRows];
  const float* d[kRows];
  for (size_t r = 0; r < kRows; ++r) {
    x[r] = args.x_q8 + (m0 + r) * w.k;
    d[r] = args.x_q8_scales + (m0 + r) * blocks;
  }
  for (size_t n = n0; n < n1; ++n) {
    const int8_t* q = w.q8 + n * w.k;
    float32x4_t acc[kRows];
    for (size_t r = 0; r < kRows; ++r) acc[r] = vdupq_n_f32(0.0f);
    size_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
      int8x16_t wv[8];
      for (size_t j = 0; j < 8; ++j) wv[j] = vld1q_s8(q + b * 32 + 16 * j);
      for (size_t r = 0; r < kRows; ++r) {
        int32x4_t p[4];
        for (size_t j = 0; j < 4; ++j) {
          const int8_t* xp = x[r] + (b + j) * 32;
          p[j] = vdotq_s32(vdotq_s32(vdupq_n_s32(0), wv[2 * j], vld1q_s8(xp)), wv[2 * j + 1],
                           vld1q_s8(xp + 16));
        }
        acc[r] = vfmaq_f32(acc[r], vcvtq_f32_s32(sum_each4(p)), vld1q_f32(d[r] + b));
      }
    }
    float tail[kRows] = {};
    for (; b < blocks; ++b) {
      const int8x16_t w0 = vld1q_s8(q + b * 32), w1 = vld1q_s8(q + b * 32 + 16);
      for (size_t r = 0; r < kRows; ++r) {
        const int8_t* xp = x[r] + b * 32;
        const int32x4_t p =
            vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, vld1q_s8(xp)), w1, vld1q_s8(xp + 16));
        tail[r] += d[r][b] * static_cast<float>(vaddvq_s32(p));
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r)
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + w.channel_scales[n] * (vaddvq_f32(acc[r]) + tail[r]), args.min, args.max);
  }
}

// Block b's 16 weight bytes against x in q4 order (q4_order_position): its low nibbles are the
// block's even elements, its high nibbles the odd ones, each 16 contiguous values of x.
inline int32x4_t q4_block_dot(const uint8_t* q, const int8_t* x_even, const int8_t* x_odd) {
  const int8x16_t bytes = vreinterpretq_s8_u8(vld1q_u8(q));
  const int8x16_t low = vshrq_n_s8(vshlq_n_s8(bytes, 4), 4);
  const int8x16_t high = vshrq_n_s8(bytes, 4);
  return vdotq_s32(vdotq_s32(vdupq_n_s32(0), low, vld1q_s8(x_even)), high, vld1q_s8(x_odd));
}

// Per block: s(n, g) * (d(b) * (x_q . v) - z * d(b) * sum x_q), v the signed nibbles.
template <size_t kRows>
void q4g_rows(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0, size_t n1) {
  const size_t blocks = w.k / 32, groups = w.k / w.group, per_group = w.group / 32;
  const int8_t* x[kRows];
  const float* d[kRows];
  const float* s[kRows];
  for (size_t r = 0; r < kRows; ++r) {
    x[r] = args.x_q8 + (m0 + r) * w.k;
    d[r] = args.x_q8_scales + (m0 + r) * blocks;
    s[r] = args.x_q8_sums + (m0 + r) * blocks;
  }
  for (size_t n = n0; n < n1; ++n) {
    const uint8_t* q = w.q4 + n * (w.k / 2);
    const uint16_t* scales = w.group_scales + n * groups;
    const int8_t* zeros = w.group_zeros != nullptr ? w.group_zeros + n * groups : nullptr;
    float32x4_t acc[kRows];
    for (size_t r = 0; r < kRows; ++r) acc[r] = vdupq_n_f32(0.0f);
    size_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
      float scale[4], zero[4];
      for (size_t j = 0; j < 4; ++j) {
        scale[j] = f16_to_f32(scales[(b + j) / per_group]);
        zero[j] = zeros != nullptr ? zeros[(b + j) / per_group] : 0.0f;
      }
      const float32x4_t scale_v = vld1q_f32(scale), zero_v = vld1q_f32(zero);
      size_t even[4], odd[4];
      for (size_t j = 0; j < 4; ++j) {
        even[j] = q4_order_position((b + j) * 32, w.k);
        odd[j] = q4_order_position((b + j) * 32 + 1, w.k);
      }
      for (size_t r = 0; r < kRows; ++r) {
        int32x4_t p[4];
        for (size_t j = 0; j < 4; ++j)
          p[j] = q4_block_dot(q + (b + j) * 16, x[r] + even[j], x[r] + odd[j]);
        const float32x4_t block_dots = vfmsq_f32(
            vmulq_f32(vcvtq_f32_s32(sum_each4(p)), vld1q_f32(d[r] + b)), zero_v, vld1q_f32(s[r] + b));
        acc[r] = vfmaq_f32(acc[r], block_dots, scale_v);
      }
    }
    float tail[kRows] = {};
    for (; b < blocks; ++b) {
      const size_t g = b / per_group, e = b * 32;
      const float scale = f16_to_f32(scales[g]);
      const float zero = zeros != nullptr ? zeros[g] : 0.0f;
      for (size_t r = 0; r < kRows; ++r) {
        const int32x4_t p = q4_block_dot(q + b * 16, x[r] + q4_order_position(e, w.k),
                                         x[r] + q4_order_position(e + 1, w.k));
        tail[r] += scale * (d[r][b] * static_cast<float>(vaddvq_s32(p)) - zero * s[r][b]);
      }
    }
    const float bias = args.bias != nullptr ? args.bias[n] : 0.0f;
    for (size_t r = 0; r < kRows; ++r)
      args.y[(m0 + r) * args.y_stride + n] =
          clamp(bias + vaddvq_f32(acc[r]) + tail[r], args.min, args.max);
  }
}

}  // namespace

void q8c_gemv_q8__neondot(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q8c_rows<1>, q8c_rows<2>, q8c_rows<3>, q8c_rows<4>>(w, args, n0, n1);
}

void q4g_gemv_q8__neondot(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  by_row_blocks<q4g_rows<1>, q4g_rows<2>, q4g_rows<3>, q4g_rows<4>>(w, args, n0, n1);
}

}  // namespace sprig::cpu

#endif  // defined(__aarch64__)
