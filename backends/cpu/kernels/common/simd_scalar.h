// One-lane "vector" of floats for the portable kernels: the same operations as simd_avx2.h and
// simd_neon.h, so every kernel template in kernels/*/ *_impl.h also builds for plain C++.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "runtime/core/tensor.h"

namespace sprig::cpu::simd {

struct Scalar {
  using V = float;
  static constexpr size_t kLanes = 1;

  static V load(const float* p) { return *p; }
  // kLanes IEEE halves widened to floats.
  static V load_f16(const uint16_t* p) { return f16_to_f32(*p); }
  static void store(float* p, V v) { *p = v; }
  // n is in [1, kLanes): never called for one lane, present so templates compile.
  static V load_partial(const float* p, size_t) { return *p; }
  static void store_partial(float* p, V v, size_t) { *p = v; }
  static V set1(float x) { return x; }
  static V zero() { return 0.0f; }

  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V fma(V a, V b, V c) { return a * b + c; }  // a * b + c
  // 1 / d to about 2^-22 relative (exact here).
  static V recip(V d) { return 1.0f / d; }
  // max(lo, x) and min(hi, x), returning x when x is NaN.
  static V max_keep_nan(V lo, V x) { return x < lo ? lo : x; }
  static V min_keep_nan(V hi, V x) { return x > hi ? hi : x; }
  // Running maximum where a NaN, once read, wins (like the reference pooling).
  static V max_sticky_nan(V acc, V v) { return (v > acc || std::isnan(v)) ? v : acc; }
  static V abs(V x) { return std::fabs(x); }
  static V neg(V x) { return -x; }
  // sign(x) < 0 (sign bit set) ? a : b
  static V select_sign(V x, V a, V b) { return std::signbit(x) ? a : b; }
  // |mag| with the sign of s (mag must be non-negative).
  static V copy_sign(V mag, V s) { return std::copysign(mag, s); }
  // 2^n from the float n + magic (see vmath.h): the low bits of its representation, shifted into
  // the exponent field.
  static V shl23(V x) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    bits <<= 23;
    V result;
    std::memcpy(&result, &bits, sizeof(result));
    return result;
  }
  static float reduce_add(V v) { return v; }
  static float reduce_max(V v) { return v; }
};

}  // namespace sprig::cpu::simd
