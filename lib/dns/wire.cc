#include "dns/wire.h"

#include <cstring>

namespace ptrscan {
namespace {

constexpr uint16_t class_in = 1;
constexpr uint16_t type_opt = 41;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Length of the uncompressed name at the start of `wire` including its root
/// label, or 0 when it is malformed or compressed.
size_t wire_name_length(std::span<const uint8_t> wire) {
  size_t pos = 0;
  while (pos < wire.size() && pos < max_wire_name) {
    const uint8_t len = wire[pos];
    if (len == 0) {
      return pos + 1;
    }
    if (len > 63) {
      return 0;  // a compression pointer or a reserved label type
    }
    pos += 1 + len;
  }
  return 0;
}

}  // namespace

std::string_view strip_root_dot(std::string_view text) {
  if (text.empty() || text.back() != '.') {
    return text;
  }
  // Backslashes escape one another in pairs: only an odd run escapes the dot.
  size_t backslashes = 0;
  for (size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) {
    ++backslashes;
  }
  if (backslashes % 2 == 0) {
    text.remove_suffix(1);
  }
  return text;
}

size_t encode_name(std::string_view text, std::span<uint8_t, max_wire_name> out) {
  text = strip_root_dot(text);
  if (text.empty()) {
    out[0] = 0;
    return 1;  // the root
  }
  size_t label_start = 0;  // where the current label's length octet goes
  size_t pos = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    uint8_t octet;
    if (c == '.') {
      const size_t len = pos - label_start - 1;
      if (len == 0 || len > 63) {
        return 0;
      }
      out[label_start] = static_cast<uint8_t>(len);
      label_start = pos++;
      if (pos >= max_wire_name) {
        return 0;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) {
        return 0;
      }
      if (is_digit(text[i + 1])) {
        if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) {
          return 0;
        }
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) {
          return 0;
        }
        octet = static_cast<uint8_t>(v);
        i += 3;
      } else {
        octet = static_cast<uint8_t>(text[++i]);
      }
    } else {
      octet = static_cast<uint8_t>(c);
    }
    if (pos >= max_wire_name - 1) {
      return 0;  // leave room for the root label
    }
    out[pos++] = octet;
  }
  const size_t len = pos - label_start - 1;
  if (len == 0 || len > 63) {
    return 0;
  }
  out[label_start] = static_cast<uint8_t>(len);
  out[pos++] = 0;
  return pos;
}

std::string decode_name(std::span<const uint8_t> wire) {
  std::string out;
  if (wire_name_length(wire) == 0) {
    return out;
  }
  if (wire[0] == 0) {
    out.push_back('.');  // the root
    return out;
  }
  size_t pos = 0;
  while (wire[pos] != 0) {
    const uint8_t len = wire[pos++];
    if (!out.empty()) {
      out.push_back('.');
    }
    for (size_t k = 0; k < len; ++k) {
      const uint8_t c = wire[pos++];
      if (c == '.' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c <= 0x20 || c >= 0x7f) {
        out.push_back('\\');
        out.push_back(static_cast<char>('0' + c / 100));
        out.push_back(static_cast<char>('0' + c / 10 % 10));
        out.push_back(static_cast<char>('0' + c % 10));
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
  }
  return out;
}

size_t build_query(uint16_t id, std::span<const uint8_t> qname_wire, uint16_t qtype,
                   uint16_t edns_udp_size, std::span<uint8_t, max_query_bytes> out) {
  uint8_t* p = out.data();
  put16(p, id);
  p[2] = 0x01;  // RD
  p[3] = 0x00;
  put16(p + 4, 1);                        // QDCOUNT
  put16(p + 6, 0);                        // ANCOUNT
  put16(p + 8, 0);                        // NSCOUNT
  put16(p + 10, edns_udp_size ? 1 : 0);   // ARCOUNT
  size_t n = dns_header_bytes;
  std::memcpy(p + n, qname_wire.data(), qname_wire.size());
  n += qname_wire.size();
  put16(p + n, qtype);
  put16(p + n + 2, class_in);
  n += 4;
  if (edns_udp_size != 0) {
    p[n] = 0;  // root owner name
    put16(p + n + 1, type_opt);
    put16(p + n + 3, edns_udp_size);  // CLASS carries the UDP payload size
    std::memset(p + n + 5, 0, 6);     // extended RCODE, version, flags, RDLEN
    n += 11;
  }
  return n;
}

bool read_header(std::span<const uint8_t> packet, response_header& out) {
  if (packet.size() < dns_header_bytes) {
    return false;
  }
  out.id = get16(packet.data());
  out.is_response = (packet[2] & 0x80) != 0;
  out.truncated = (packet[2] & 0x02) != 0;
  out.qdcount = get16(packet.data() + 4);
  return true;
}

bool question_matches(std::span<const uint8_t> response, std::span<const uint8_t> query) {
  if (response.size() < dns_header_bytes || query.size() < dns_header_bytes ||
      get16(response.data() + 4) != 1) {
    return false;
  }
  const std::span<const uint8_t> want = query.subspan(dns_header_bytes);
  const size_t name_len = wire_name_length(want);
  if (name_len == 0 || want.size() < name_len + 4 ||
      response.size() < dns_header_bytes + name_len + 4) {
    return false;
  }
  const uint8_t* got = response.data() + dns_header_bytes;
  // Length octets are compared as bytes too: they are below 'A', so
  // lower-casing leaves them alone.
  for (size_t i = 0; i < name_len + 4; ++i) {
    if (i < name_len ? lower(got[i]) != lower(want[i]) : got[i] != want[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace ptrscan
