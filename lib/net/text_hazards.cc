#include "net/text_hazards.h"

#include <cstdio>

namespace ptrscan {

size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) {
    return 0;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t avail = s.size();
  const unsigned char c = p[0];
  auto cont = [](unsigned char x) { return (x & 0xc0) == 0x80; };
  if (c < 0x80) {
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    return (avail >= 2 && cont(p[1])) ? 2 : 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (avail < 3) {
      return 0;
    }
    const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;  // below: overlong
    const unsigned char hi = c == 0xed ? 0x9f : 0xbf;  // above: a surrogate
    return (p[1] >= lo && p[1] <= hi && cont(p[2])) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (avail < 4) {
      return 0;
    }
    const unsigned char lo = c == 0xf0 ? 0x90 : 0x80;  // below: overlong
    const unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;  // above: > U+10FFFF
    return (p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3])) ? 4 : 0;
  }
  return 0;
}

bool is_text_hazard(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

uint32_t text_hazard_at(std::string_view s, size_t* len) {
  if (s.size() < 2) {
    return 0;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  // Every hazard is a 2-byte sequence led by C2 or D8, or a 3-byte one led
  // by E2: anything else is decided by its first byte.
  uint32_t cp = 0;
  size_t n = 0;
  if ((p[0] == 0xc2 || p[0] == 0xd8) && (p[1] & 0xc0) == 0x80) {
    cp = (uint32_t{p[0] & 0x1fu} << 6) | (p[1] & 0x3fu);
    n = 2;
  } else if (p[0] == 0xe2 && s.size() >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
    cp = (uint32_t{p[0] & 0x0fu} << 12) | (uint32_t{p[1] & 0x3fu} << 6) | (p[2] & 0x3fu);
    n = 3;
  } else {
    return 0;
  }
  if (!is_text_hazard(cp)) {
    return 0;
  }
  if (len != nullptr) {
    *len = n;
  }
  return cp;
}

std::string terminal_safe(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const std::string_view rest = text.substr(i);
    size_t hazard_len = 0;
    if (const uint32_t cp = text_hazard_at(rest, &hazard_len); cp != 0) {
      char buf[16];
      const int n = std::snprintf(buf, sizeof buf, "<U+%04X>", static_cast<unsigned>(cp));
      out.append(buf, static_cast<size_t>(n));
      i += hazard_len;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t len = utf8_sequence_length(rest); len != 0) {
        out.append(rest.substr(0, len));
        i += len;
        continue;
      }
    }
    out += "\\x";
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 0xf]);
    ++i;
  }
  return out;
}

}  // namespace ptrscan
