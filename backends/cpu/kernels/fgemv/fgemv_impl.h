// The float-weight product as a template over a simd::* traits type and the weights' element type
// (float, or uint16_t for IEEE halves); each fgemv__<isa>.cc instantiates it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "backends/cpu/kernels/common/widen.h"
#include "backends/cpu/kernels/fgemv/fgemv.h"

namespace sprig::cpu::fgemv_impl {

using simd::element_f32;
using simd::load_f32;

inline float clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// y[m, n] from the sum of products (fgemv.h's formula).
inline void store(const FGemvArgs& a, size_t m, size_t n, float sum) {
  float* y = a.y + m * a.y_stride + n;
  float v = a.scale * sum + (a.bias != nullptr ? a.bias[n] : 0.0f);
  if (a.accumulate) v += *y;
  *y = clamp(v, a.min, a.max);
}

// Rows m0..m0+MR of y for weight rows [n0, n1), NR weight rows at a time (then one at a time).
template <class S, class T, size_t MR, size_t NR>
void tile(const T* w, const FGemvArgs& a, size_t k, size_t m0, size_t n0, size_t n1) {
  constexpr size_t L = S::kLanes;
  const float* x = a.x + m0 * a.x_stride;
  const size_t k_vec = k / L * L;
  size_t n = n0;
  auto finish = [&](size_t r, size_t j, float sum) {
    const float* xr = x + r * a.x_stride;
    const T* wr = w + (n + j) * k;
    for (size_t i = k_vec; i < k; ++i) sum += xr[i] * element_f32(wr, i);
    store(a, m0 + r, n + j, sum);
  };
  for (; n + NR <= n1; n += NR) {
    typename S::V acc[MR][NR];
    for (size_t r = 0; r < MR; ++r)
      for (size_t j = 0; j < NR; ++j) acc[r][j] = S::zero();
    for (size_t i = 0; i < k_vec; i += L) {
      typename S::V wv[NR];
      for (size_t j = 0; j < NR; ++j) wv[j] = load_f32<S>(w + (n + j) * k + i);
      for (size_t r = 0; r < MR; ++r) {
        const typename S::V xv = S::load(x + r * a.x_stride + i);
        for (size_t j = 0; j < NR; ++j) acc[r][j] = S::fma(xv, wv[j], acc[r][j]);
      }
    }
    for (size_t r = 0; r < MR; ++r)
      for (size_t j = 0; j < NR; ++j) finish(r, j, S::reduce_add(acc[r][j]));
  }
  for (; n < n1; ++n) {
    typename S::V acc[MR];
    for (size_t r = 0; r < MR; ++r) acc[r] = S::zero();
    for (size_t i = 0; i < k_vec; i += L) {
      const typename S::V wv = load_f32<S>(w + n * k + i);
      for (size_t r = 0; r < MR; ++r) acc[r] = S::fma(S::load(x + r * a.x_stride + i), wv, acc[r]);
    }
    for (size_t r = 0; r < MR; ++r) finish(r, 0, S::reduce_add(acc[r]));
  }
}

// One row of x (decode): each weight row whole, four independent sums along it, so that the
// weights are read as one stream in memory order.
template <class S, class T>
void one_row(const T* w, const FGemvArgs& a, size_t k, size_t n0, size_t n1) {
  constexpr size_t L = S::kLanes;
  const float* x = a.x;
  for (size_t n = n0; n < n1; ++n) {
    const T* wr = w + n * k;
    typename S::V acc0 = S::zero(), acc1 = S::zero(), acc2 = S::zero(), acc3 = S::zero();
    size_t i = 0;
    for (; i + 4 * L <= k; i += 4 * L) {
      acc0 = S::fma(S::load(x + i), load_f32<S>(wr + i), acc0);
      acc1 = S::fma(S::load(x + i + L), load_f32<S>(wr + i + L), acc1);
      acc2 = S::fma(S::load(x + i + 2 * L), load_f32<S>(wr + i + 2 * L), acc2);
      acc3 = S::fma(S::load(x + i + 3 * L), load_f32<S>(wr + i + 3 * L), acc3);
    }
    for (; i + L <= k; i += L) acc0 = S::fma(S::load(x + i), load_f32<S>(wr + i), acc0);
    float sum = S::reduce_add(S::add(S::add(acc0, acc1), S::add(acc2, acc3)));
    for (; i < k; ++i) sum += x[i] * element_f32(wr, i);
    store(a, 0, n, sum);
  }
}

// Weight rows in blocks of about 128 KB; each block against all rows of x, four at a time
// (one or two rows with four weight rows at a time, for independent sums).
template <class S, class T>
void gemv(const T* w, const FGemvArgs& a, size_t k, size_t n0, size_t n1) {
  if (a.rows == 1) return one_row<S, T>(w, a, k, n0, n1);
  const size_t block = std::max<size_t>(8, (size_t{128} << 10) / (k * sizeof(T)));
  for (size_t nb = n0; nb < n1; nb += block) {
    const size_t ne = std::min(n1, nb + block);
    size_t m = 0;
    for (; m + 4 <= a.rows; m += 4) tile<S, T, 4, 3>(w, a, k, m, nb, ne);
    switch (a.rows - m) {
      case 3:
        tile<S, T, 3, 2>(w, a, k, m, nb, ne);
        break;
      case 2:
        tile<S, T, 2, 4>(w, a, k, m, nb, ne);
        break;
      case 1:
        tile<S, T, 1, 4>(w, a, k, m, nb, ne);
        break;
      default:
        break;
    }
  }
}

}  // namespace sprig::cpu::fgemv_impl
