// The pooling kernels as templates over a simd::* traits type; each *__<isa>.cc instantiates them.
#pragma once

#include <cstddef>
#include <limits>

#include "backends/cpu/kernels/pool/pool.h"

namespace sprig::cpu::pool_impl {

template <class S, bool kMax>
struct Reduce {
  using V = typename S::V;
  static V init() { return kMax ? S::set1(-std::numeric_limits<float>::infinity()) : S::zero(); }
  static V step(V acc, V v) { return kMax ? S::max_sticky_nan(acc, v) : S::add(acc, v); }
};

// Channels [c, c + kVectors * L) (or the n < L channels at c when kPartial).
template <class S, bool kMax, int kVectors, bool kPartial>
inline void pool_block(const float* in, size_t rows, size_t cols, size_t row_stride,
                       size_t col_stride, float scale, float* out, size_t n) {
  using R = Reduce<S, kMax>;
  constexpr size_t L = S::kLanes;
  typename S::V acc[kVectors];
  for (int k = 0; k < kVectors; ++k) acc[k] = R::init();
  for (size_t r = 0; r < rows; ++r) {
    const float* p = in + r * row_stride;
    for (size_t q = 0; q < cols; ++q, p += col_stride) {
      if (kPartial) {
        acc[0] = R::step(acc[0], S::load_partial(p, n));
      } else {
        for (int k = 0; k < kVectors; ++k) acc[k] = R::step(acc[k], S::load(p + k * L));
      }
    }
  }
  if (!kMax)
    for (int k = 0; k < kVectors; ++k) acc[k] = S::mul(acc[k], S::set1(scale));
  if (kPartial) {
    S::store_partial(out, acc[0], n);
  } else {
    for (int k = 0; k < kVectors; ++k) S::store(out + k * L, acc[k]);
  }
}

template <class S, bool kMax>
void pool(size_t channels, const float* in, size_t rows, size_t cols, size_t row_stride,
          size_t col_stride, float scale, float* out) {
  constexpr size_t L = S::kLanes;
  size_t c = 0;
  for (; c + 4 * L <= channels; c += 4 * L)
    pool_block<S, kMax, 4, false>(in + c, rows, cols, row_stride, col_stride, scale, out + c, 0);
  for (; c + L <= channels; c += L)
    pool_block<S, kMax, 1, false>(in + c, rows, cols, row_stride, col_stride, scale, out + c, 0);
  if (c < channels)
    pool_block<S, kMax, 1, true>(in + c, rows, cols, row_stride, col_stride, scale, out + c,
                                 channels - c);
}

}  // namespace sprig::cpu::pool_impl

#define SPRIG_DEFINE_POOL_KERNELS(isa, S)                                                    \
  void f32_maxpool__##isa(size_t channels, const float* in, size_t rows, size_t cols,        \
                          size_t row_stride, size_t col_stride, float* out) {                \
    pool_impl::pool<S, true>(channels, in, rows, cols, row_stride, col_stride, 1.0f, out);   \
  }                                                                                          \
  void f32_avgpool__##isa(size_t channels, const float* in, size_t rows, size_t cols,        \
                          size_t row_stride, size_t col_stride, float scale, float* out) {   \
    pool_impl::pool<S, false>(channels, in, rows, cols, row_stride, col_stride, scale, out); \
  }
