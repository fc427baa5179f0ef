#include "net/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace ptrscan {

ip_address ip_address::v4(uint32_t host_order) {
  ip_address a;
  a.family = family_t::v4;
  a.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes[3] = static_cast<uint8_t>(host_order);
  return a;
}

ip_address ip_address::v6(const std::array<uint8_t, 16>& network_order) {
  ip_address a;
  a.family = family_t::v6;
  a.bytes = network_order;
  return a;
}

std::optional<ip_address> ip_address::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; 64 bytes covers every valid form.
  char buf[64];
  // An embedded NUL would end the string early for inet_pton, so "::1\0junk"
  // would parse as ::1.
  if (text.empty() || text.size() >= sizeof(buf) ||
      text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  ip_address a;
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) {
      return std::nullopt;
    }
    a.family = family_t::v4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
    return std::nullopt;
  }
  a.family = family_t::v6;
  return a;
}

uint32_t ip_address::v4_value() const {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

namespace {

/// Writes four octets as "a.b.c.d" (no terminator); returns the end. By hand:
/// glibc's inet_ntop formats IPv4 with sprintf, which was 2% of a PTR
/// scan's CPU (once per record).
char* write_dotted_quad(const uint8_t* octets, char* p) {
  for (size_t i = 0; i < 4; ++i) {
    const unsigned v = octets[i];
    if (v >= 100) {
      *p++ = static_cast<char>('0' + v / 100);
    }
    if (v >= 10) {
      *p++ = static_cast<char>('0' + (v / 10) % 10);
    }
    *p++ = static_cast<char>('0' + v % 10);
    if (i != 3) {
      *p++ = '.';
    }
  }
  return p;
}

}  // namespace

size_t ip_address::format(char* out) const {
  if (is_v4()) {
    char* end = write_dotted_quad(bytes.data(), out);
    *end = '\0';
    return static_cast<size_t>(end - out);
  }
  // Not inet_ntop: glibc also prints the deprecated IPv4-compatible ::/96 in
  // dotted form ("::1.2.3.4" for ::102:304, "::0.2.0.0" for ::2:0), which
  // RFC 5952 section 5 reserves for addresses known to embed IPv4. Only
  // ::ffff:0:0/96 (IPv4-mapped) is written that way here.
  static constexpr char hex[] = "0123456789abcdef";
  char* p = out;
  bool mapped = std::all_of(bytes.begin(), bytes.begin() + 10, [](uint8_t b) { return b == 0; }) &&
                bytes[10] == 0xff && bytes[11] == 0xff;
  if (mapped) {
    std::memcpy(p, "::ffff:", 7);
    p = write_dotted_quad(bytes.data() + 12, p + 7);
    *p = '\0';
    return static_cast<size_t>(p - out);
  }
  uint16_t words[8];
  for (size_t i = 0; i < 8; ++i) {
    words[i] = static_cast<uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  }
  // RFC 5952 section 4.2: "::" replaces the longest run of two or more zero
  // groups, the first one on a tie.
  int best_start = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) {
      ++j;
    }
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      *p++ = ':';
      if (i == 0) {
        *p++ = ':';
      }
      i += best_len - 1;
      continue;
    }
    // RFC 5952 section 4.1 and 4.3: no leading zeros, lower case.
    uint16_t w = words[i];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned nibble = (w >> shift) & 0xf;
      if (nibble != 0 || started || shift == 0) {
        *p++ = hex[nibble];
        started = true;
      }
    }
    if (i != 7) {
      *p++ = ':';
    }
  }
  *p = '\0';
  return static_cast<size_t>(p - out);
}

std::string ip_address::to_string() const {
  char buf[max_text_len];
  return std::string(buf, format(buf));
}

size_t ip_address::reverse_name(char* out) const {
  static constexpr char hex[] = "0123456789abcdef";
  char* p = out;
  if (is_v4()) {
    for (int i = 3; i >= 0; --i) {
      unsigned v = bytes[static_cast<size_t>(i)];
      if (v >= 100) {
        *p++ = static_cast<char>('0' + v / 100);
      }
      if (v >= 10) {
        *p++ = static_cast<char>('0' + (v / 10) % 10);
      }
      *p++ = static_cast<char>('0' + v % 10);
      *p++ = '.';
    }
    std::memcpy(p, "in-addr.arpa", 12);
    return static_cast<size_t>(p - out) + 12;
  }
  for (int i = 15; i >= 0; --i) {
    uint8_t b = bytes[static_cast<size_t>(i)];
    *p++ = hex[b & 0xf];
    *p++ = '.';
    *p++ = hex[b >> 4];
    *p++ = '.';
  }
  std::memcpy(p, "ip6.arpa", 8);
  return static_cast<size_t>(p - out) + 8;
}

std::string ip_address::reverse_name() const {
  char buf[max_reverse_len];
  return std::string(buf, reverse_name(buf));
}

}  // namespace ptrscan
