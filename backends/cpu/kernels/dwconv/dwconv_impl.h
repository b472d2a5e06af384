// The depthwise convolution row kernels as templates over a simd::* traits type (one packed block
// = S::kLanes channels); each *__<isa>.cc instantiates them under its kernel names.
#pragma once

#include <cstddef>

#include "backends/cpu/kernels/dwconv/dwconv.h"

namespace sprig::cpu::dwconv_impl {

// Loads and stores of a whole block, or of its first n channels.
template <class S, bool kPartial>
struct Lanes {
  size_t n;
  typename S::V load(const float* p) const { return kPartial ? S::load_partial(p, n) : S::load(p); }
  void store(float* p, typename S::V v) const {
    if (kPartial)
      S::store_partial(p, v, n);
    else
      S::store(p, v);
  }
};

// One output pixel of one channel block (channels c.. of the rows), checking every tap against
// the input's columns.
template <class S, bool kPartial>
inline void pixel_checked(const DwConvRowArgs& a, const float* const* rows, size_t c,
                          const float* w, float* out, long iw0, Lanes<S, kPartial> lanes) {
  constexpr size_t B = S::kLanes;
  const long in_w = static_cast<long>(a.in_w);
  const size_t taps = static_cast<size_t>(a.kernel_h) * static_cast<size_t>(a.kernel_w);
  auto acc = S::load(w + taps * B);
  for (int kh = 0; kh < a.kernel_h; ++kh) {
    const float* row = rows[kh] + c;
    for (int kw = 0; kw < a.kernel_w; ++kw) {
      const long iw = iw0 + static_cast<long>(kw) * a.dilation_w;
      if (iw < 0 || iw >= in_w) continue;
      acc = S::fma(lanes.load(row + static_cast<size_t>(iw) * a.in_channels),
                   S::load(w + (static_cast<size_t>(kh) * a.kernel_w + kw) * B), acc);
    }
  }
  acc = S::min_keep_nan(S::set1(a.max), S::max_keep_nan(S::set1(a.min), acc));
  lanes.store(out, acc);
}

// The output columns whose whole window lies inside the input: [*lo, *hi).
inline void interior_columns(const DwConvRowArgs& a, long kernel_extent, long* lo, long* hi) {
  const long out_w = static_cast<long>(a.out_w);
  const long s = a.stride_w;
  long first = (a.pad_left + s - 1) / s;
  long last = static_cast<long>(a.in_w) + a.pad_left - kernel_extent;  // last start, as s * ow
  long end = last < 0 ? 0 : last / s + 1;
  if (first > out_w) first = out_w;
  if (end > out_w) end = out_w;
  if (end < first) end = first;
  *lo = first;
  *hi = end;
}

template <class S, bool kPartial>
void any_block(const DwConvRowArgs& a, size_t c, const float* w, Lanes<S, kPartial> lanes) {
  for (size_t ow = 0; ow < a.out_w; ++ow) {
    const long iw0 = static_cast<long>(ow) * a.stride_w - a.pad_left;
    pixel_checked<S, kPartial>(a, a.rows, c, w, a.output + c + ow * a.out_channels, iw0, lanes);
  }
}

// Any kernel, stride and dilation; multiplier 1.
template <class S>
void dwconv_any(const DwConvRowArgs& a) {
  constexpr size_t B = S::kLanes;
  const size_t taps = static_cast<size_t>(a.kernel_h) * static_cast<size_t>(a.kernel_w);
  for (size_t c = a.c_begin; c < a.c_end; c += B) {
    const float* w = a.weights + (c / B) * (taps + 1) * B;
    const size_t n = a.c_end - c < B ? a.c_end - c : B;
    if (n == B)
      any_block<S, false>(a, c, w, Lanes<S, false>{n});
    else
      any_block<S, true>(a, c, w, Lanes<S, true>{n});
  }
}

// K x K, stride kStride, dilation 1: the block's weights live in registers (for 3x3) and four
// interior output pixels are computed together.
template <class S, int K, int kStride, bool kPartial>
void kxk_block(const DwConvRowArgs& a, const float* const* rows_in, const float* w, float* out,
               long lo, long hi, Lanes<S, kPartial> lanes) {
  using V = typename S::V;
  constexpr size_t B = S::kLanes;
  V wv[K * K];
  for (int t = 0; t < K * K; ++t) wv[t] = S::load(w + t * B);
  const V bias = S::load(w + K * K * B);
  const V vmin = S::set1(a.min), vmax = S::set1(a.max);
  const size_t cs = a.in_channels;
  const float* rows[K];
  for (int kh = 0; kh < K; ++kh) rows[kh] = rows_in[kh];

  for (long ow = 0; ow < lo; ++ow)
    pixel_checked<S, kPartial>(a, rows, 0, w, out + ow * a.out_channels, ow * kStride - a.pad_left,
                               lanes);
  long ow = lo;
  for (; ow + 4 <= hi; ow += 4) {
    V acc0 = bias, acc1 = bias, acc2 = bias, acc3 = bias;
    const size_t iw0 = static_cast<size_t>(ow * kStride - a.pad_left);
    for (int kh = 0; kh < K; ++kh) {
      const float* r = rows[kh] + iw0 * cs;
      for (int kw = 0; kw < K; ++kw) {
        const V wt = wv[kh * K + kw];
        acc0 = S::fma(lanes.load(r + (kw + 0 * kStride) * cs), wt, acc0);
        acc1 = S::fma(lanes.load(r + (kw + 1 * kStride) * cs), wt, acc1);
        acc2 = S::fma(lanes.load(r + (kw + 2 * kStride) * cs), wt, acc2);
        acc3 = S::fma(lanes.load(r + (kw + 3 * kStride) * cs), wt, acc3);
      }
    }
    float* o = out + static_cast<size_t>(ow) * a.out_channels;
    lanes.store(o, S::min_keep_nan(vmax, S::max_keep_nan(vmin, acc0)));
    lanes.store(o + a.out_channels, S::min_keep_nan(vmax, S::max_keep_nan(vmin, acc1)));
    lanes.store(o + 2 * a.out_channels, S::min_keep_nan(vmax, S::max_keep_nan(vmin, acc2)));
    lanes.store(o + 3 * a.out_channels, S::min_keep_nan(vmax, S::max_keep_nan(vmin, acc3)));
  }
  for (; ow < hi; ++ow) {
    V acc = bias;
    const size_t iw0 = static_cast<size_t>(ow * kStride - a.pad_left);
    for (int kh = 0; kh < K; ++kh) {
      const float* r = rows[kh] + iw0 * cs;
      for (int kw = 0; kw < K; ++kw) acc = S::fma(lanes.load(r + kw * cs), wv[kh * K + kw], acc);
    }
    lanes.store(out + static_cast<size_t>(ow) * a.out_channels,
                S::min_keep_nan(vmax, S::max_keep_nan(vmin, acc)));
  }
  for (ow = hi; ow < static_cast<long>(a.out_w); ++ow)
    pixel_checked<S, kPartial>(a, rows, 0, w, out + ow * a.out_channels, ow * kStride - a.pad_left,
                               lanes);
}

template <class S, int K, int kStride>
void dwconv_kxk(const DwConvRowArgs& a) {
  constexpr size_t B = S::kLanes;
  long lo, hi;
  interior_columns(a, K, &lo, &hi);
  const float* rows[K];
  for (size_t c = a.c_begin; c < a.c_end; c += B) {
    const float* w = a.weights + (c / B) * (K * K + 1) * B;
    for (int kh = 0; kh < K; ++kh) rows[kh] = a.rows[kh] + c;
    const size_t n = a.c_end - c < B ? a.c_end - c : B;
    if (n == B)
      kxk_block<S, K, kStride, false>(a, rows, w, a.output + c, lo, hi, Lanes<S, false>{n});
    else
      kxk_block<S, K, kStride, true>(a, rows, w, a.output + c, lo, hi, Lanes<S, true>{n});
  }
}

}  // namespace sprig::cpu::dwconv_impl

#define SPRIG_DEFINE_DWCONV_KERNELS(isa, S)                \
  void f32_dwconv3x3s1__##isa(const DwConvRowArgs& args) { \
    dwconv_impl::dwconv_kxk<S, 3, 1>(args);                \
  }                                                        \
  void f32_dwconv3x3s2__##isa(const DwConvRowArgs& args) { \
    dwconv_impl::dwconv_kxk<S, 3, 2>(args);                \
  }                                                        \
  void f32_dwconv5x5s1__##isa(const DwConvRowArgs& args) { \
    dwconv_impl::dwconv_kxk<S, 5, 1>(args);                \
  }                                                        \
  void f32_dwconv5x5s2__##isa(const DwConvRowArgs& args) { \
    dwconv_impl::dwconv_kxk<S, 5, 2>(args);                \
  }                                                        \
  void f32_dwconv__##isa(const DwConvRowArgs& args) { dwconv_impl::dwconv_any<S>(args); }
