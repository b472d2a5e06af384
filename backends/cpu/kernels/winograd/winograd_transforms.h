// The Winograd F(4x4, 3x3) and F(2x2, 3x3) input and output transforms written once over a vector
// type and a tile (internal to the winograd/ kernel files; each includes it with its own Ops, so
// nothing is shared between files compiled for different instruction sets).
//
// F(2x2, 3x3) is the classic one: B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1].
//
// F(4x4, 3x3) interpolation points {0, 1, -1, 1/2, -2, inf} rather than the usual {0, 1, -1, 2, -2,
// inf}: in fp32 their worst error is about 3x smaller (measured: 0.28 vs 0.85 of the conformance
// bound at 9*64 taps, 0.5 vs 2.4 at 9*256), the difference between passing and failing the bound.
//
//   B^T = [1 -3/2  -2  3/2   1  0]     A^T = [1  1  1   1    1  0]
//         [0  -1  1/2  5/2   1  0]           [0  1 -1  1/2  -2  0]
//         [0   1 -5/2  1/2   1  0]           [0  1  1  1/4   4  0]
//         [0  -2   -1    2   1  0]           [0  1 -1  1/8  -8  1]
//         [0 1/2   -1 -1/2   1  0]
//         [0   1 -3/2   -2 3/2  1]
//
// G (weights, winograd.h) = [1 0 0; 1/3 1/3 1/3; -1/3 1/3 -1/3; -16/15 -8/15 -4/15;
//                            1/15 -2/15 4/15; 0 0 1].
//
// Tile (WinogradF4x4, WinogradF2x2) provides kIn, kOut, bt (one column of B^T d) and at (one
// column of A^T M). Ops provides: V, kLanes, load, store, zero, add, sub, madd(a, k, b) = a*k + b,
// clamp(v, lo, hi), splat.
#pragma once

#include <cstddef>

namespace sprig::cpu {
namespace {

// F(4x4, 3x3): 6x6 input tile, 36 positions.
struct WinogradF4x4 {
  static constexpr int kIn = 6;
  static constexpr int kOut = 4;

  template <typename Ops>
  static void bt(const typename Ops::V d[6], typename Ops::V r[6]) {
    using V = typename Ops::V;
    const V d3_d1 = Ops::sub(d[3], d[1]);
    const V d4_d2 = Ops::sub(d[4], d[2]);
    r[0] = Ops::madd(d3_d1, 1.5f, Ops::madd(d[2], -2.0f, Ops::add(d[0], d[4])));
    r[1] = Ops::madd(d[3], 2.5f, Ops::madd(d[2], 0.5f, Ops::sub(d[4], d[1])));
    r[2] = Ops::madd(d[2], -2.5f, Ops::madd(d[3], 0.5f, Ops::add(d[4], d[1])));
    r[3] = Ops::madd(d3_d1, 2.0f, d4_d2);
    r[4] = Ops::madd(d3_d1, -0.5f, d4_d2);
    r[5] = Ops::madd(d4_d2, 1.5f, Ops::madd(d[3], -2.0f, Ops::add(d[1], d[5])));
  }

  template <typename Ops>
  static void at(const typename Ops::V m[6], typename Ops::V y[4]) {
    using V = typename Ops::V;
    const V a = Ops::add(m[1], m[2]);
    const V b = Ops::sub(m[1], m[2]);
    y[0] = Ops::add(Ops::add(m[0], a), Ops::add(m[3], m[4]));
    y[1] = Ops::madd(m[4], -2.0f, Ops::madd(m[3], 0.5f, b));
    y[2] = Ops::madd(m[4], 4.0f, Ops::madd(m[3], 0.25f, a));
    y[3] = Ops::add(Ops::madd(m[4], -8.0f, Ops::madd(m[3], 0.125f, b)), m[5]);
  }
};

// F(2x2, 3x3): 4x4 input tile, 16 positions; every coefficient is 0 or +-1.
struct WinogradF2x2 {
  static constexpr int kIn = 4;
  static constexpr int kOut = 2;

  template <typename Ops>
  static void bt(const typename Ops::V d[4], typename Ops::V r[4]) {
    r[0] = Ops::sub(d[0], d[2]);
    r[1] = Ops::add(d[1], d[2]);
    r[2] = Ops::sub(d[2], d[1]);
    r[3] = Ops::sub(d[1], d[3]);
  }

  template <typename Ops>
  static void at(const typename Ops::V m[4], typename Ops::V y[2]) {
    y[0] = Ops::add(Ops::add(m[0], m[1]), m[2]);
    y[1] = Ops::sub(Ops::sub(m[1], m[2]), m[3]);
  }
};

// Channels [ch0, ch1) (a multiple of Ops::kLanes apart) of one input tile.
template <typename Ops, typename Tile>
void winograd_input_channels(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                             ptrdiff_t iw0, float* v, size_t v_stride, size_t ch0, size_t ch1) {
  using V = typename Ops::V;
  const ptrdiff_t hh = static_cast<ptrdiff_t>(h), ww = static_cast<ptrdiff_t>(w);
  constexpr int kIn = Tile::kIn;
  bool row_ok[kIn], col_ok[kIn];
  for (ptrdiff_t i = 0; i < kIn; ++i) {
    row_ok[i] = ih0 + i >= 0 && ih0 + i < hh;
    col_ok[i] = iw0 + i >= 0 && iw0 + i < ww;
  }
  for (size_t ch = ch0; ch < ch1; ch += Ops::kLanes) {
    V t[kIn][kIn];  // t = B^T d, column by column
    for (ptrdiff_t j = 0; j < kIn; ++j) {
      V d[kIn], r[kIn];
      for (ptrdiff_t i = 0; i < kIn; ++i)
        d[i] = row_ok[i] && col_ok[j]
                   ? Ops::load(x + ((ih0 + i) * ww + (iw0 + j)) * static_cast<ptrdiff_t>(c) +
                               static_cast<ptrdiff_t>(ch))
                   : Ops::zero();
      Tile::template bt<Ops>(d, r);
      for (int i = 0; i < kIn; ++i) t[i][j] = r[i];
    }
    for (int i = 0; i < kIn; ++i) {
      V r[kIn];
      Tile::template bt<Ops>(t[i], r);
      for (int j = 0; j < kIn; ++j) Ops::store(v + (i * kIn + j) * v_stride + ch, r[j]);
    }
  }
}

// Channels [ch0, ch1) (a multiple of Ops::kLanes apart) of one output tile.
template <typename Ops, typename Tile>
void winograd_output_channels(const float* m, size_t m_stride, const float* bias, float* y,
                              size_t y_row_stride, size_t y_pixel_stride, size_t rows, size_t cols,
                              float min, float max, size_t ch0, size_t ch1) {
  using V = typename Ops::V;
  constexpr int kIn = Tile::kIn, kOut = Tile::kOut;
  const V vmin = Ops::splat(min), vmax = Ops::splat(max);
  for (size_t ch = ch0; ch < ch1; ch += Ops::kLanes) {
    V t[kOut][kIn];  // t = A^T M, column by column
    for (int j = 0; j < kIn; ++j) {
      V mm[kIn], r[kOut];
      for (int i = 0; i < kIn; ++i) mm[i] = Ops::load(m + (i * kIn + j) * m_stride + ch);
      Tile::template at<Ops>(mm, r);
      for (int i = 0; i < kOut; ++i) t[i][j] = r[i];
    }
    const V b = bias != nullptr ? Ops::load(bias + ch) : Ops::zero();
    for (size_t i = 0; i < rows; ++i) {
      V r[kOut];
      Tile::template at<Ops>(t[i], r);
      for (size_t j = 0; j < cols; ++j)
        Ops::store(y + i * y_row_stride + j * y_pixel_stride + ch,
                   Ops::clamp(Ops::add(r[j], b), vmin, vmax));
    }
  }
}

// One channel at a time: the portable transforms, and the SIMD ones' leftover channels.
struct ScalarOps {
  using V = float;
  static constexpr size_t kLanes = 1;
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V zero() { return 0.0f; }
  static V splat(float f) { return f; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V madd(V a, float k, V b) { return a * k + b; }
  static V clamp(V v, V lo, V hi) { return v < lo ? lo : (v > hi ? hi : v); }
};

// Every channel of one input tile (winograd.h's F32WinogradInputFn): whole vectors with Ops, the
// rest with ScalarOps.
template <typename Ops, typename Tile>
void winograd_input(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0, ptrdiff_t iw0,
                    float* v, size_t v_stride) {
  const size_t full = c / Ops::kLanes * Ops::kLanes;
  winograd_input_channels<Ops, Tile>(x, h, w, c, ih0, iw0, v, v_stride, 0, full);
  winograd_input_channels<ScalarOps, Tile>(x, h, w, c, ih0, iw0, v, v_stride, full, c);
}

// Every channel of one output tile (winograd.h's F32WinogradOutputFn).
template <typename Ops, typename Tile>
void winograd_output(const float* m, size_t m_stride, size_t o, const float* bias, float* y,
                     size_t y_row_stride, size_t y_pixel_stride, size_t rows, size_t cols,
                     float min, float max) {
  const size_t full = o / Ops::kLanes * Ops::kLanes;
  winograd_output_channels<Ops, Tile>(m, m_stride, bias, y, y_row_stride, y_pixel_stride, rows,
                                      cols, min, max, 0, full);
  winograd_output_channels<ScalarOps, Tile>(m, m_stride, bias, y, y_row_stride, y_pixel_stride,
                                            rows, cols, min, max, full, o);
}

}  // namespace
}  // namespace sprig::cpu
