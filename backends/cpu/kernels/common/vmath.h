// Vectorized transcendental functions on any simd::* traits type (simd_scalar.h, simd_avx2.h,
// simd_neon.h). Each is accurate to a few float ulps in absolute terms and a few 1e-7 relative,
// well inside the conformance bound |a - b| <= 2e-5 + 2e-4 |b|. NaN inputs give unspecified
// results.
#pragma once

namespace sprig::cpu::vmath {

// exp(x) for x <= 0. Inputs below -87.3 give about 1e-38 instead of underflowing to a denormal.
// Range reduction x = n ln2 + r, |r| <= ln2 / 2, and a degree-5 minimax polynomial for e^r.
template <class S>
inline typename S::V exp_nonpositive(typename S::V x) {
  using V = typename S::V;
  // 1.5 * 2^23 + 127: adding it rounds to an integer and leaves n + 127 in the low mantissa bits.
  const V magic = S::set1(0x1.8000FEp23f);
  x = S::max_keep_nan(S::set1(-87.3f), x);
  V n = S::fma(x, S::set1(0x1.715476p+0f), magic);
  const V scale = S::shl23(n);  // 2^n
  n = S::sub(n, magic);
  V r = S::fma(n, S::set1(-0x1.62E400p-1f), x);
  r = S::fma(n, S::set1(-0x1.7F7D1Cp-20f), r);
  V p = S::set1(0x1.0F9F9Cp-7f);
  p = S::fma(p, r, S::set1(0x1.573A1Ap-5f));
  p = S::fma(p, r, S::set1(0x1.555A80p-3f));
  p = S::fma(p, r, S::set1(0x1.FFFDC6p-2f));
  p = S::fma(p, r, S::set1(0x1.FFFFF6p-1f));
  // e^r = 1 + r p(r); scale (1 + r p) = scale + (scale r) p
  return S::fma(S::mul(scale, r), p, scale);
}

// 1 / (1 + e^-x), with e^-|x| only, so no overflow and full relative accuracy for x << 0.
template <class S>
inline typename S::V sigmoid(typename S::V x) {
  using V = typename S::V;
  const V one = S::set1(1.0f);
  const V z = exp_nonpositive<S>(S::neg(S::abs(x)));
  const V f = S::mul(z, S::recip(S::add(one, z)));  // sigmoid(-|x|)
  return S::select_sign(x, f, S::sub(one, f));
}

// tanh(|x|) = (1 - e^-2|x|) / (1 + e^-2|x|), with x's sign.
template <class S>
inline typename S::V tanh(typename S::V x) {
  using V = typename S::V;
  const V one = S::set1(1.0f);
  const V z = exp_nonpositive<S>(S::mul(S::abs(x), S::set1(-2.0f)));
  return S::copy_sign(S::mul(S::sub(one, z), S::recip(S::add(one, z))), x);
}

// x * Phi(x) with Phi(x) = 1 - erfc(x / sqrt 2) / 2 for x >= 0 and erfc(-x / sqrt 2) / 2 below,
// erfc by Abramowitz & Stegun 7.1.26 (absolute error 1.5e-7, no cancellation for x < 0).
template <class S>
inline typename S::V gelu(typename S::V x) {
  using V = typename S::V;
  const V one = S::set1(1.0f);
  const V a = S::mul(S::abs(x), S::set1(0.70710678118654752f));
  const V t = S::recip(S::fma(a, S::set1(0.3275911f), one));
  V p = S::set1(1.061405429f);
  p = S::fma(p, t, S::set1(-1.453152027f));
  p = S::fma(p, t, S::set1(1.421413741f));
  p = S::fma(p, t, S::set1(-0.284496736f));
  p = S::fma(p, t, S::set1(0.254829592f));
  p = S::mul(p, t);
  const V half_erfc = S::mul(S::mul(p, S::set1(0.5f)), exp_nonpositive<S>(S::neg(S::mul(a, a))));
  return S::mul(x, S::select_sign(x, half_erfc, S::sub(one, half_erfc)));
}

// 0.5 x (1 + tanh(u)) = x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3).
template <class S>
inline typename S::V gelu_tanh(typename S::V x) {
  using V = typename S::V;
  const V x2 = S::mul(x, x);
  const V two_u = S::mul(x, S::fma(x2, S::set1(2.0f * 0.79788456080286536f * 0.044715f),
                                   S::set1(2.0f * 0.79788456080286536f)));
  return S::mul(x, sigmoid<S>(two_u));
}

}  // namespace sprig::cpu::vmath
