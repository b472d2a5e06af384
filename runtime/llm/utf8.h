// UTF-8 scanning for the tokenizer and the streaming decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sprig::llm {

// Length of the well-formed UTF-8 character starting at s[0] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), 0 when s[0..] is not one, or -needed when s holds a valid
// but unfinished start of a character (more bytes needed to decide).
inline int utf8_char_length(const uint8_t* s, size_t available) {
  const uint8_t lead = s[0];
  if (lead < 0x80) return 1;
  int length;
  uint8_t low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (static_cast<size_t>(i) >= available) return -length;
    const uint8_t lo = i == 1 ? low : 0x80, hi = i == 1 ? high : 0xBF;
    if (s[i] < lo || s[i] > hi) return 0;
  }
  return length;
}

inline bool is_valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  size_t i = 0;
  while (i < text.size()) {
    const int length = utf8_char_length(s + i, text.size() - i);
    if (length <= 0) return false;
    i += static_cast<size_t>(length);
  }
  return true;
}

}  // namespace sprig::llm
