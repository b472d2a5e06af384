// The softmax kernel as a template over a simd::* traits type; each *__<isa>.cc instantiates it.
#pragma once

#include <cstddef>
#include <limits>

#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/common/vmath.h"
#include "backends/cpu/kernels/softmax/softmax.h"

namespace sprig::cpu::softmax_impl {

// Softmax along a contiguous row of n floats.
template <class S>
void row(size_t n, const float* x, float* y) {
  using V = typename S::V;
  constexpr size_t L = S::kLanes;
  const V lowest = S::set1(-std::numeric_limits<float>::infinity());
  V vmax0 = lowest, vmax1 = lowest;
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    vmax0 = S::max_keep_nan(vmax0, S::load(x + i));
    vmax1 = S::max_keep_nan(vmax1, S::load(x + i + L));
  }
  for (; i + L <= n; i += L) vmax0 = S::max_keep_nan(vmax0, S::load(x + i));
  float max = S::reduce_max(S::max_keep_nan(vmax0, vmax1));
  for (; i < n; ++i) max = x[i] > max || x[i] != x[i] ? x[i] : max;

  const V vm = S::set1(max);
  V vsum0 = S::zero(), vsum1 = S::zero();
  for (i = 0; i + 2 * L <= n; i += 2 * L) {
    const V e0 = vmath::exp_nonpositive<S>(S::sub(S::load(x + i), vm));
    const V e1 = vmath::exp_nonpositive<S>(S::sub(S::load(x + i + L), vm));
    S::store(y + i, e0);
    S::store(y + i + L, e1);
    vsum0 = S::add(vsum0, e0);
    vsum1 = S::add(vsum1, e1);
  }
  for (; i + L <= n; i += L) {
    const V e = vmath::exp_nonpositive<S>(S::sub(S::load(x + i), vm));
    S::store(y + i, e);
    vsum0 = S::add(vsum0, e);
  }
  float tail_sum = 0.0f;
  for (; i < n; ++i) {
    const float e = vmath::exp_nonpositive<simd::Scalar>(x[i] - max);
    y[i] = e;
    tail_sum += e;
  }
  const V scale = S::set1(1.0f / (S::reduce_add(S::add(vsum0, vsum1)) + tail_sum));
  for (i = 0; i + L <= n; i += L) S::store(y + i, S::mul(S::load(y + i), scale));
  if (i < n) S::store_partial(y + i, S::mul(S::load_partial(y + i, n - i), scale), n - i);
}

// Softmax over `length` rows `inner` apart, for columns [0, count) (vectorized across columns).
template <class S, bool kPartial>
void columns(size_t length, size_t inner, size_t n, const float* x, float* y) {
  using V = typename S::V;
  auto load = [n](const float* p) { return kPartial ? S::load_partial(p, n) : S::load(p); };
  auto store = [n](float* p, V v) {
    if (kPartial)
      S::store_partial(p, v, n);
    else
      S::store(p, v);
  };
  V vmax = S::set1(-std::numeric_limits<float>::infinity());
  for (size_t c = 0; c < length; ++c) vmax = S::max_keep_nan(vmax, load(x + c * inner));
  V vsum = S::zero();
  for (size_t c = 0; c < length; ++c) {
    const V e = vmath::exp_nonpositive<S>(S::sub(load(x + c * inner), vmax));
    store(y + c * inner, e);
    vsum = S::add(vsum, e);
  }
  const V scale = S::div(S::set1(1.0f), vsum);
  for (size_t c = 0; c < length; ++c) store(y + c * inner, S::mul(load(y + c * inner), scale));
}

template <class S>
void softmax(size_t length, size_t inner, size_t count, const float* x, float* y) {
  constexpr size_t L = S::kLanes;
  if (inner == 1) {
    row<S>(length, x, y);
    return;
  }
  size_t i = 0;
  for (; i + L <= count; i += L) columns<S, false>(length, inner, L, x + i, y + i);
  if (i < count) columns<S, true>(length, inner, count - i, x + i, y + i);
}

}  // namespace sprig::cpu::softmax_impl
