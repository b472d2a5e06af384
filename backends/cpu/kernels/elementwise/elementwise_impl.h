// The elementwise kernels as templates over a simd::* traits type; each *__<isa>.cc instantiates
// them under its kernel names with SPRIG_DEFINE_ELEMENTWISE_KERNELS.
#pragma once

#include <cstring>

#include "backends/cpu/kernels/common/vmath.h"
#include "backends/cpu/kernels/elementwise/elementwise.h"

namespace sprig::cpu::elementwise_impl {

// Applies f to whole vectors (four at a time while possible), then to the tail.
template <class S, class F>
inline void map(size_t n, const float* x, float* y, F f) {
  constexpr size_t L = S::kLanes;
  size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    const auto v0 = f(S::load(x + i));
    const auto v1 = f(S::load(x + i + L));
    const auto v2 = f(S::load(x + i + 2 * L));
    const auto v3 = f(S::load(x + i + 3 * L));
    S::store(y + i, v0);
    S::store(y + i + L, v1);
    S::store(y + i + 2 * L, v2);
    S::store(y + i + 3 * L, v3);
  }
  for (; i + L <= n; i += L) S::store(y + i, f(S::load(x + i)));
  if (i < n) S::store_partial(y + i, f(S::load_partial(x + i, n - i)), n - i);
}

template <class S>
void vcopy(size_t n, const float* x, float* y, const UnaryParams&) {
  if (x != y) std::memmove(y, x, n * sizeof(float));
}

template <class S>
void vrelu(size_t n, const float* x, float* y, const UnaryParams&) {
  const auto zero = S::zero();
  map<S>(n, x, y, [&](typename S::V v) { return S::max_keep_nan(zero, v); });
}

template <class S>
void vclamp(size_t n, const float* x, float* y, const UnaryParams& p) {
  const auto lo = S::set1(p.alpha), hi = S::set1(p.beta);
  map<S>(n, x, y, [&](typename S::V v) { return S::min_keep_nan(hi, S::max_keep_nan(lo, v)); });
}

template <class S>
void vlrelu(size_t n, const float* x, float* y, const UnaryParams& p) {
  const auto alpha = S::set1(p.alpha);
  map<S>(n, x, y, [&](typename S::V v) { return S::select_sign(v, S::mul(v, alpha), v); });
}

template <class S>
void vsigmoid(size_t n, const float* x, float* y, const UnaryParams&) {
  map<S>(n, x, y, [](typename S::V v) { return vmath::sigmoid<S>(v); });
}

template <class S>
void vtanh(size_t n, const float* x, float* y, const UnaryParams&) {
  map<S>(n, x, y, [](typename S::V v) { return vmath::tanh<S>(v); });
}

template <class S>
void vhardsigmoid(size_t n, const float* x, float* y, const UnaryParams& p) {
  const auto alpha = S::set1(p.alpha), beta = S::set1(p.beta);
  const auto zero = S::zero(), one = S::set1(1.0f);
  map<S>(n, x, y, [&](typename S::V v) {
    return S::min_keep_nan(one, S::max_keep_nan(zero, S::fma(v, alpha, beta)));
  });
}

template <class S>
void vhardswish(size_t n, const float* x, float* y, const UnaryParams&) {
  const auto three = S::set1(3.0f), six = S::set1(6.0f), sixth = S::set1(1.0f / 6.0f);
  const auto zero = S::zero();
  map<S>(n, x, y, [&](typename S::V v) {
    const auto r = S::min_keep_nan(six, S::max_keep_nan(zero, S::add(v, three)));
    return S::mul(S::mul(v, sixth), r);
  });
}

template <class S>
void vgelu(size_t n, const float* x, float* y, const UnaryParams&) {
  map<S>(n, x, y, [](typename S::V v) { return vmath::gelu<S>(v); });
}

template <class S>
void vgelutanh(size_t n, const float* x, float* y, const UnaryParams&) {
  map<S>(n, x, y, [](typename S::V v) { return vmath::gelu_tanh<S>(v); });
}

template <class S>
void vsilu(size_t n, const float* x, float* y, const UnaryParams&) {
  map<S>(n, x, y, [](typename S::V v) { return S::mul(v, vmath::sigmoid<S>(v)); });
}

// Binary ops. kConstB: b is one value; the op then reads (a[i], b[0]); kReversed swaps the
// operands of OP (y = b[0] OP a[i]).
enum class Kind { kAdd, kSub, kMul, kDiv };

template <class S, Kind kKind>
inline typename S::V apply(typename S::V a, typename S::V b) {
  switch (kKind) {
    case Kind::kAdd:
      return S::add(a, b);
    case Kind::kSub:
      return S::sub(a, b);
    case Kind::kMul:
      return S::mul(a, b);
    case Kind::kDiv:
      return S::div(a, b);
  }
  return a;
}

template <class S, Kind kKind>
void vbinary(size_t n, const float* a, const float* b, float* y, const BinaryParams& p) {
  constexpr size_t L = S::kLanes;
  const auto lo = S::set1(p.min), hi = S::set1(p.max);
  auto f = [&](typename S::V va, typename S::V vb) {
    return S::min_keep_nan(hi, S::max_keep_nan(lo, apply<S, kKind>(va, vb)));
  };
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const auto v0 = f(S::load(a + i), S::load(b + i));
    const auto v1 = f(S::load(a + i + L), S::load(b + i + L));
    S::store(y + i, v0);
    S::store(y + i + L, v1);
  }
  for (; i + L <= n; i += L) S::store(y + i, f(S::load(a + i), S::load(b + i)));
  if (i < n)
    S::store_partial(y + i, f(S::load_partial(a + i, n - i), S::load_partial(b + i, n - i)), n - i);
}

template <class S, Kind kKind, bool kReversed>
void vbinaryc(size_t n, const float* a, const float* b, float* y, const BinaryParams& p) {
  const auto lo = S::set1(p.min), hi = S::set1(p.max);
  const auto vb = S::set1(b[0]);
  map<S>(n, a, y, [&](typename S::V va) {
    const auto r = kReversed ? apply<S, kKind>(vb, va) : apply<S, kKind>(va, vb);
    return S::min_keep_nan(hi, S::max_keep_nan(lo, r));
  });
}

}  // namespace sprig::cpu::elementwise_impl

// Defines every kernel of elementwise.h for `isa` from the templates over simd type `S`.
#define SPRIG_DEFINE_UNARY(name, isa, S)                                                    \
  void f32_##name##__##isa(size_t n, const float* x, float* y, const UnaryParams& params) { \
    elementwise_impl::name<S>(n, x, y, params);                                             \
  }
#define SPRIG_DEFINE_BINARY(name, isa, ...)                                           \
  void f32_##name##_minmax__##isa(size_t n, const float* a, const float* b, float* y, \
                                  const BinaryParams& params) {                       \
    elementwise_impl::__VA_ARGS__(n, a, b, y, params);                                \
  }
#define SPRIG_DEFINE_ELEMENTWISE_KERNELS(isa, S)                                    \
  SPRIG_DEFINE_UNARY(vcopy, isa, S)                                                 \
  SPRIG_DEFINE_UNARY(vrelu, isa, S)                                                 \
  SPRIG_DEFINE_UNARY(vclamp, isa, S)                                                \
  SPRIG_DEFINE_UNARY(vlrelu, isa, S)                                                \
  SPRIG_DEFINE_UNARY(vsigmoid, isa, S)                                              \
  SPRIG_DEFINE_UNARY(vtanh, isa, S)                                                 \
  SPRIG_DEFINE_UNARY(vhardsigmoid, isa, S)                                          \
  SPRIG_DEFINE_UNARY(vhardswish, isa, S)                                            \
  SPRIG_DEFINE_UNARY(vgelu, isa, S)                                                 \
  SPRIG_DEFINE_UNARY(vgelutanh, isa, S)                                             \
  SPRIG_DEFINE_UNARY(vsilu, isa, S)                                                 \
  SPRIG_DEFINE_BINARY(vadd, isa, vbinary<S, elementwise_impl::Kind::kAdd>)          \
  SPRIG_DEFINE_BINARY(vaddc, isa, vbinaryc<S, elementwise_impl::Kind::kAdd, false>) \
  SPRIG_DEFINE_BINARY(vsub, isa, vbinary<S, elementwise_impl::Kind::kSub>)          \
  SPRIG_DEFINE_BINARY(vsubc, isa, vbinaryc<S, elementwise_impl::Kind::kSub, false>) \
  SPRIG_DEFINE_BINARY(vrsubc, isa, vbinaryc<S, elementwise_impl::Kind::kSub, true>) \
  SPRIG_DEFINE_BINARY(vmul, isa, vbinary<S, elementwise_impl::Kind::kMul>)          \
  SPRIG_DEFINE_BINARY(vmulc, isa, vbinaryc<S, elementwise_impl::Kind::kMul, false>) \
  SPRIG_DEFINE_BINARY(vdiv, isa, vbinary<S, elementwise_impl::Kind::kDiv>)          \
  SPRIG_DEFINE_BINARY(vdivc, isa, vbinaryc<S, elementwise_impl::Kind::kDiv, false>) \
  SPRIG_DEFINE_BINARY(vrdivc, isa, vbinaryc<S, elementwise_impl::Kind::kDiv, true>)
