#include "dns/message.h"

#include <algorithm>
#include <array>

#include "dns/reply.h"
#include "dns/wire.h"

namespace ptrscan {
namespace {

constexpr uint16_t class_in = 1;

uint16_t read16(std::span<const uint8_t> p, size_t at) {
  return static_cast<uint16_t>(p[at] << 8 | p[at + 1]);
}
uint32_t read32(std::span<const uint8_t> p, size_t at) {
  return uint32_t{read16(p, at)} << 16 | read16(p, at + 2);
}

/// A name filling an rdata from `start` to its end.
bool rdata_name(std::span<const uint8_t> p, size_t start, size_t end, std::string& out) {
  const size_t next = read_name(p, start, &out);
  return next != 0 && next == end;
}

}  // namespace

bool parse_message(std::span<const uint8_t> p, dns_message& out) {
  out = dns_message{};
  if (p.size() < dns_header_bytes) {
    return false;
  }
  out.id = read16(p, 0);
  out.qr = (p[2] & 0x80) != 0;
  out.aa = (p[2] & 0x04) != 0;
  out.tc = (p[2] & 0x02) != 0;
  out.rcode = p[3] & 0x0f;
  const uint16_t qd = read16(p, 4);
  const uint16_t counts[3] = {read16(p, 6), read16(p, 8), read16(p, 10)};
  size_t pos = dns_header_bytes;
  for (uint16_t i = 0; i < qd; ++i) {
    pos = read_name(p, pos, nullptr);
    if (pos == 0 || pos + 4 > p.size()) {
      return false;
    }
    pos += 4;
  }
  std::string owner;
  for (int s = 0; s < 3; ++s) {
    for (uint16_t i = 0; i < counts[s]; ++i) {
      pos = read_name(p, pos, &owner);
      if (pos == 0 || pos + 10 > p.size()) {
        return false;
      }
      const uint16_t type = read16(p, pos);
      const uint16_t klass = read16(p, pos + 2);
      const uint32_t ttl = read32(p, pos + 4);
      const size_t rdlen = read16(p, pos + 8);
      const size_t rdata = pos + 10;
      const size_t end = rdata + rdlen;
      if (end > p.size()) {
        return false;
      }
      pos = end;
      const bool wanted = type == dns_type_a || type == dns_type_aaaa || type == dns_type_ns ||
                          type == dns_type_cname || type == dns_type_ptr || type == dns_type_soa;
      if (klass != class_in || !wanted) {
        continue;
      }
      dns_rr rr;
      rr.section = static_cast<dns_section>(s);
      rr.type = type;
      rr.ttl = ttl;
      rr.owner = owner;
      if (type == dns_type_a) {
        if (rdlen != 4) {
          return false;
        }
        rr.addr = ip_address::v4(read32(p, rdata));
      } else if (type == dns_type_aaaa) {
        if (rdlen != 16) {
          return false;
        }
        std::array<uint8_t, 16> b{};
        std::copy_n(p.begin() + static_cast<std::ptrdiff_t>(rdata), 16, b.begin());
        rr.addr = ip_address::v6(b);
      } else if (type == dns_type_soa) {
        // MNAME, RNAME, then five 32-bit numbers (RFC 1035 §3.3.13).
        const size_t m = read_name(p, rdata, &rr.target);
        const size_t r = m == 0 ? 0 : read_name(p, m, nullptr);
        if (r == 0 || r + 20 != end) {
          return false;
        }
        rr.serial = read32(p, r);
      } else if (!rdata_name(p, rdata, end, rr.target)) {
        return false;
      }
      if (out.records.size() == max_message_records) {
        out.truncated = true;
        continue;
      }
      out.records.push_back(std::move(rr));
    }
  }
  return true;
}

size_t build_iterative_query(uint16_t id, std::span<const uint8_t> qname_wire, uint16_t qtype,
                             uint16_t edns_udp_size, std::span<uint8_t> out) {
  if (out.size() < max_query_bytes || qname_wire.size() > max_wire_name) {
    return 0;
  }
  const size_t n = build_query(id, qname_wire, qtype, edns_udp_size,
                               std::span<uint8_t, max_query_bytes>(out.data(), max_query_bytes));
  out[2] &= static_cast<uint8_t>(~0x01);  // RD clear
  return n;
}

}  // namespace ptrscan
