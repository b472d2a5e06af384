#include "runtime/core/tensor.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace sprig {

int dtype_bits(DType dtype) {
  switch (dtype) {
    case DType::F32: return 32;
    case DType::F16: return 16;
    case DType::BF16: return 16;
    case DType::I8: return 8;
    case DType::U8: return 8;
    case DType::I32: return 32;
    case DType::I64: return 64;
    case DType::I4: return 4;
  }
  return 0;
}

const char* dtype_name(DType dtype) {
  return dtype_is_valid(dtype) ? fb::EnumNameDType(dtype) : "invalid";
}

bool dtype_is_valid(DType dtype) {
  return static_cast<int>(dtype) >= static_cast<int>(fb::DType::MIN) &&
         static_cast<int>(dtype) <= static_cast<int>(fb::DType::MAX);
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[i];
  return n;
}

bool Shape::operator==(const Shape& other) const {
  if (rank != other.rank) return false;
  for (int i = 0; i < rank; ++i)
    if (dims[i] != other.dims[i]) return false;
  return true;
}

const char* Shape::format(char* buf, size_t size) const {
  size_t used = static_cast<size_t>(std::snprintf(buf, size, "["));
  const int shown = rank < 0 ? 0 : (rank > kMaxRank ? kMaxRank : rank);
  for (int i = 0; i < shown && used < size; ++i)
    used += static_cast<size_t>(
        std::snprintf(buf + used, size - used, i ? ", %" PRId64 : "%" PRId64, dims[i]));
  if (used < size) std::snprintf(buf + used, size - used, "]");
  return buf;
}

size_t tensor_bytes(DType dtype, int64_t numel) {
  return static_cast<size_t>((numel * dtype_bits(dtype) + 7) / 8);
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) return sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);  // NaN / Inf
  if (abs >= 0x477ff000) return sign | 0x7c00;                                // overflow
  if (abs < 0x38800000) {                                                     // subnormal / zero
    if (abs < 0x33000000) return sign;
    const uint32_t shift = 113 - (abs >> 23);
    const uint32_t mantissa = (abs & 0x7fffff) | 0x800000;
    uint32_t half = mantissa >> (shift + 13);
    const uint32_t rest = mantissa & ((1u << (shift + 13)) - 1);
    const uint32_t halfway = 1u << (shift + 12);
    if (rest > halfway || (rest == halfway && (half & 1))) ++half;
    return sign | static_cast<uint16_t>(half);
  }
  uint32_t half = ((abs - 0x38000000) >> 13);
  const uint32_t rest = abs & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1))) ++half;
  return sign | static_cast<uint16_t>(half);
}

float bf16_to_f32(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((bits >> 16) | 0x40);
  const uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

}  // namespace sprig
