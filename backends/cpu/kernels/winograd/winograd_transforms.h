// The F(4x4, 3x3) input and output transforms written once over a vector type (internal to the
// winograd/ kernel files; each includes it with its own Ops, so nothing is shared between files
// compiled for different instruction sets).
//
// Interpolation points {0, 1, -1, 1/2, -2, inf} rather than the usual {0, 1, -1, 2, -2, inf}: in
// fp32 their worst error is about 3x smaller (measured: 0.28 vs 0.85 of the conformance bound at
// 9*64 taps, 0.5 vs 2.4 at 9*256), the difference between passing and failing the bound.
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
// Ops provides: V, kLanes, load, store, zero, add, sub, madd(a, k, b) = a*k + b, clamp(v, lo, hi),
// splat.
#pragma once

#include <cstddef>

namespace sprig::cpu {
namespace {

template <typename Ops>
inline void winograd_bt(const typename Ops::V d[6], typename Ops::V r[6]) {
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
inline void winograd_at(const typename Ops::V m[6], typename Ops::V y[4]) {
  using V = typename Ops::V;
  const V a = Ops::add(m[1], m[2]);
  const V b = Ops::sub(m[1], m[2]);
  y[0] = Ops::add(Ops::add(m[0], a), Ops::add(m[3], m[4]));
  y[1] = Ops::madd(m[4], -2.0f, Ops::madd(m[3], 0.5f, b));
  y[2] = Ops::madd(m[4], 4.0f, Ops::madd(m[3], 0.25f, a));
  y[3] = Ops::add(Ops::madd(m[4], -8.0f, Ops::madd(m[3], 0.125f, b)), m[5]);
}

// Channels [ch0, ch1) (a multiple of Ops::kLanes apart) of one input tile.
template <typename Ops>
void winograd_input_channels(const float* x, size_t h, size_t w, size_t c, ptrdiff_t ih0,
                             ptrdiff_t iw0, float* v, size_t v_stride, size_t ch0, size_t ch1) {
  using V = typename Ops::V;
  const ptrdiff_t hh = static_cast<ptrdiff_t>(h), ww = static_cast<ptrdiff_t>(w);
  bool row_ok[6], col_ok[6];
  for (ptrdiff_t i = 0; i < 6; ++i) {
    row_ok[i] = ih0 + i >= 0 && ih0 + i < hh;
    col_ok[i] = iw0 + i >= 0 && iw0 + i < ww;
  }
  for (size_t ch = ch0; ch < ch1; ch += Ops::kLanes) {
    V t[6][6];  // t = B^T d, column by column
    for (ptrdiff_t j = 0; j < 6; ++j) {
      V d[6], r[6];
      for (ptrdiff_t i = 0; i < 6; ++i)
        d[i] = row_ok[i] && col_ok[j]
                   ? Ops::load(x + ((ih0 + i) * ww + (iw0 + j)) * static_cast<ptrdiff_t>(c) +
                               static_cast<ptrdiff_t>(ch))
                   : Ops::zero();
      winograd_bt<Ops>(d, r);
      for (int i = 0; i < 6; ++i) t[i][j] = r[i];
    }
    for (int i = 0; i < 6; ++i) {
      V r[6];
      winograd_bt<Ops>(t[i], r);
      for (int j = 0; j < 6; ++j) Ops::store(v + (i * 6 + j) * v_stride + ch, r[j]);
    }
  }
}

// Channels [ch0, ch1) (a multiple of Ops::kLanes apart) of one output tile.
template <typename Ops>
void winograd_output_channels(const float* m, size_t m_stride, const float* bias, float* y,
                              size_t y_row_stride, size_t y_pixel_stride, size_t rows, size_t cols,
                              float min, float max, size_t ch0, size_t ch1) {
  using V = typename Ops::V;
  const V vmin = Ops::splat(min), vmax = Ops::splat(max);
  for (size_t ch = ch0; ch < ch1; ch += Ops::kLanes) {
    V t[4][6];  // t = A^T M, column by column
    for (int j = 0; j < 6; ++j) {
      V mm[6], r[4];
      for (int i = 0; i < 6; ++i) mm[i] = Ops::load(m + (i * 6 + j) * m_stride + ch);
      winograd_at<Ops>(mm, r);
      for (int i = 0; i < 4; ++i) t[i][j] = r[i];
    }
    const V b = bias != nullptr ? Ops::load(bias + ch) : Ops::zero();
    for (size_t i = 0; i < rows; ++i) {
      V r[4];
      winograd_at<Ops>(t[i], r);
      for (size_t j = 0; j < cols; ++j)
        Ops::store(y + i * y_row_stride + j * y_pixel_stride + ch,
                   Ops::clamp(Ops::add(r[j], b), vmin, vmax));
    }
  }
}

}  // namespace
}  // namespace sprig::cpu
