// Loading floats or IEEE halves (uint16_t) alike as f32, for kernel templates over the element
// type of what they read (F32 or F16 weights, KV caches).
#pragma once

#include <cstddef>
#include <cstdint>

#include "runtime/core/tensor.h"

namespace sprig::cpu::simd {

// S::kLanes elements from p as f32.
template <class S>
typename S::V load_f32(const float* p) {
  return S::load(p);
}
template <class S>
typename S::V load_f32(const uint16_t* p) {
  return S::load_f16(p);
}

// Element i of p as f32.
inline float element_f32(const float* p, size_t i) { return p[i]; }
inline float element_f32(const uint16_t* p, size_t i) { return f16_to_f32(p[i]); }

}  // namespace sprig::cpu::simd
