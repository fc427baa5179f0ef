#include "reference/dns_wire.h"

#include <cstring>

namespace ptrscan::ref {
namespace {

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

}  // namespace

void reverse_name(uint32_t ip, wire_name& out) {
  uint8_t* w = out.data;
  for (int i = 0; i < 4; ++i) {
    const unsigned octet = ip >> (8 * i) & 255;  // lowest octet first
    uint8_t digits[3];
    int n = 0;
    unsigned v = octet;
    do {
      digits[n++] = static_cast<uint8_t>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    *w++ = static_cast<uint8_t>(n);
    while (n > 0) {
      *w++ = digits[--n];
    }
  }
  static constexpr uint8_t suffix[] = {7,   'i', 'n', '-', 'a', 'd', 'd',
                                       'r', 4,   'a', 'r', 'p', 'a', 0};
  std::memcpy(w, suffix, sizeof suffix);
  w += sizeof suffix;
  out.len = static_cast<uint8_t>(w - out.data);
}

size_t build_query(const wire_name& name, uint16_t qtype, uint8_t* out) {
  // ID 0, RD, one question, one additional (OPT).
  static constexpr uint8_t header[header_len] = {0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1};
  std::memcpy(out, header, header_len);
  size_t n = header_len;
  std::memcpy(out + n, name.data, name.len);
  n += name.len;
  out[n++] = static_cast<uint8_t>(qtype >> 8);
  out[n++] = static_cast<uint8_t>(qtype);
  out[n++] = 0;
  out[n++] = 1;  // IN
  // OPT: root owner, type 41, class = payload size, TTL 0, no rdata.
  const uint8_t opt[11] = {
      0, 0, 41, static_cast<uint8_t>(edns_size >> 8), static_cast<uint8_t>(edns_size), 0, 0, 0,
      0, 0, 0};
  std::memcpy(out + n, opt, sizeof opt);
  return n + sizeof opt;
}

bool matches_question(const uint8_t* resp, size_t resp_len, const uint8_t* query,
                      size_t query_len) {
  if (resp_len < header_len || (resp[2] & 0x80) == 0 || resp[4] != 0 || resp[5] != 1) {
    return false;
  }
  // The question is the query's bytes between the header and the OPT record.
  const size_t qlen = query_len - header_len - 11;
  if (resp_len < header_len + qlen) {
    return false;
  }
  for (size_t i = header_len; i < header_len + qlen; ++i) {
    if (lower(resp[i]) != query[i]) {  // our query is lower-case already
      return false;
    }
  }
  return true;
}

size_t read_name(const uint8_t* p, size_t len, size_t off, wire_name& out) {
  size_t end = 0;  // where the name ends in place (set at the first pointer)
  size_t w = 0;
  int jumps = 0;
  while (off < len) {
    const uint8_t l = p[off];
    if ((l & 0xC0) == 0xC0) {
      if (off + 1 >= len || ++jumps > 32) {
        return 0;
      }
      if (end == 0) {
        end = off + 2;
      }
      off = static_cast<size_t>(l & 0x3F) << 8 | p[off + 1];
      continue;
    }
    if ((l & 0xC0) != 0 || off + 1 + l > len || w + 1 + l > max_name) {
      return 0;
    }
    out.data[w++] = l;
    if (l == 0) {
      out.len = static_cast<uint8_t>(w);
      return end != 0 ? end : off + 1;
    }
    for (size_t i = 0; i < l; ++i) {
      out.data[w++] = lower(p[off + 1 + i]);
    }
    off += 1 + l;
  }
  return 0;
}

bool same_name(const wire_name& a, const wire_name& b) {
  return a.len == b.len && std::memcmp(a.data, b.data, a.len) == 0;
}

}  // namespace ptrscan::ref
