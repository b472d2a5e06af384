// The attention kernel as a template over a simd::* traits type and the caches' element type (float,
// or uint16_t for IEEE halves); each *__<isa>.cc instantiates it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>

#include "backends/cpu/kernels/attention/attention.h"
#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/common/vmath.h"
#include "backends/cpu/kernels/common/widen.h"

namespace sprig::cpu::attention_impl {

using simd::element_f32;
using simd::load_f32;

template <class S, class T>
float dot(const float* a, const T* b, size_t n) {
  constexpr size_t L = S::kLanes;
  typename S::V acc0 = S::zero(), acc1 = S::zero();
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    acc0 = S::fma(S::load(a + i), load_f32<S>(b + i), acc0);
    acc1 = S::fma(S::load(a + i + L), load_f32<S>(b + i + L), acc1);
  }
  for (; i + L <= n; i += L) acc0 = S::fma(S::load(a + i), load_f32<S>(b + i), acc0);
  float sum = S::reduce_add(S::add(acc0, acc1));
  for (; i < n; ++i) sum += a[i] * element_f32(b, i);
  return sum;
}

// y[0, n) += p * v
template <class S, class T>
void add_scaled(float* y, float p, const T* v, size_t n) {
  constexpr size_t L = S::kLanes;
  const typename S::V vp = S::set1(p);
  size_t i = 0;
  for (; i + L <= n; i += L) S::store(y + i, S::fma(vp, load_f32<S>(v + i), S::load(y + i)));
  for (; i < n; ++i) y[i] += p * element_f32(v, i);
}

// Keys are taken kBlock at a time: their scores, the block's maximum, then (when the maximum
// rises) the running sum and output rescaled, then the block's exponentials and values added.
template <class S, class T>
void attend(const float* q, const T* k, const T* v, size_t visible, size_t d,
            size_t kv_stride, float scale, float* y) {
  constexpr size_t kBlock = 64;
  constexpr size_t L = S::kLanes;
  float scores[kBlock];
  float max = -std::numeric_limits<float>::infinity(), sum = 0.0f;
  std::fill(y, y + d, 0.0f);
  for (size_t s0 = 0; s0 < visible; s0 += kBlock) {
    const size_t n = std::min(kBlock, visible - s0);
    float block_max = -std::numeric_limits<float>::infinity();
    for (size_t i = 0; i < n; ++i) {
      scores[i] = scale * dot<S, T>(q, k + (s0 + i) * kv_stride, d);
      block_max = std::max(block_max, scores[i]);
    }
    if (block_max > max) {
      const float rescale = vmath::exp_nonpositive<simd::Scalar>(max - block_max);
      sum *= rescale;
      for (size_t i = 0; i < d; ++i) y[i] *= rescale;
      max = block_max;
    }
    const typename S::V vmax = S::set1(max);
    size_t i = 0;
    for (; i + L <= n; i += L)
      S::store(scores + i, vmath::exp_nonpositive<S>(S::sub(S::load(scores + i), vmax)));
    for (; i < n; ++i) scores[i] = vmath::exp_nonpositive<simd::Scalar>(scores[i] - max);
    for (i = 0; i < n; ++i) {
      sum += scores[i];
      add_scaled<S, T>(y, scores[i], v + (s0 + i) * kv_stride, d);
    }
  }
  const float inverse = 1.0f / sum;
  for (size_t i = 0; i < d; ++i) y[i] *= inverse;
}

}  // namespace sprig::cpu::attention_impl
