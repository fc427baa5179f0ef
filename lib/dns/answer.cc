#include "dns/answer.h"

#include <algorithm>
#include <cstring>

#include "dns/wire.h"

namespace ptrscan {
namespace {

constexpr int rcode_noerror = 0;
constexpr int rcode_servfail = 2;
constexpr int rcode_nxdomain = 3;
constexpr int rcode_refused = 5;
constexpr size_t header_len = 12;
constexpr uint16_t class_in = 1;
// A wire name is at most 255 octets; in text with \DDD escapes at most 4x.
constexpr size_t max_text_name = 1024;

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// Decodes the (possibly compressed) name at `pos` into lower-case text
/// without the trailing dot. Bytes that are not printable, and '.' or '\'
/// inside a label, are escaped as in zone files (\DDD, \.), so a label can
/// never smuggle a dot. Returns the offset just past the name in the record,
/// or 0 on a malformed name. Pointer loops are cut by a jump budget.
size_t read_name(std::span<const uint8_t> pkt, size_t pos, std::string* text) {
  size_t end = 0;  // where the name ends in the record (set at the first jump)
  int jumps = 0;
  size_t wire_len = 0;
  if (text != nullptr) {
    text->clear();
  }
  while (true) {
    if (pos >= pkt.size()) {
      return 0;
    }
    uint8_t len = pkt[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= pkt.size() || ++jumps > 64) {
        return 0;
      }
      if (end == 0) {
        end = pos + 2;
      }
      size_t target = static_cast<size_t>((len & 0x3f) << 8) | pkt[pos + 1];
      if (target >= pkt.size()) {
        return 0;
      }
      pos = target;
      continue;
    }
    if ((len & 0xc0) != 0) {
      return 0;  // 0x40/0x80 label types are obsolete and not supported
    }
    if (len == 0) {
      return end != 0 ? end : pos + 1;
    }
    // RFC 1035 §2.3.4: 255 octets at most, the root's length octet included,
    // so that every name we hand out can be asked for again.
    wire_len += len + 1;
    if (wire_len + 1 > 255 || pos + 1 + len > pkt.size()) {
      return 0;
    }
    if (text != nullptr) {
      if (!text->empty()) {
        text->push_back('.');
      }
      for (size_t i = 0; i < len; ++i) {
        uint8_t c = pkt[pos + 1 + i];
        if (c == '.' || c == '\\') {
          text->push_back('\\');
          text->push_back(static_cast<char>(c));
        } else if (c <= 0x20 || c >= 0x7f) {
          char esc[4] = {'\\', static_cast<char>('0' + c / 100),
                         static_cast<char>('0' + (c / 10) % 10), static_cast<char>('0' + c % 10)};
          text->append(esc, 4);
        } else {
          text->push_back(lower(static_cast<char>(c)));
        }
      }
      if (text->size() > max_text_name) {
        return 0;
      }
    }
    pos += 1 + len;
  }
}

struct rr_view {
  std::string owner;
  uint16_t type = 0;
  size_t rdata = 0;
  uint16_t rdlength = 0;
};

}  // namespace

std::string normalise_name(std::string_view name) {
  // Names are in escaped text form (read_name): in x\. the final dot is an
  // octet of the last label, not the root.
  std::string out(strip_root_dot(name));
  for (char& c : out) {
    c = lower(c);
  }
  return out;
}

bool same_name(std::string_view a, std::string_view b) {
  a = strip_root_dot(a);
  b = strip_root_dot(b);
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

void parse_answer(std::span<const uint8_t> pkt, std::string_view qname, uint16_t qtype,
                  dns_answer& out) {
  out.clear();
  if (pkt.size() < header_len) {
    return;
  }
  const int rcode = pkt[3] & 0x0f;
  const uint16_t qdcount = read16(&pkt[4]);
  const uint16_t ancount = read16(&pkt[6]);
  switch (rcode) {
    case rcode_noerror:
      break;
    case rcode_nxdomain:
      // NXDOMAIN may still carry the CNAME chain that led to the missing
      // name; the verdict is the same, so stop here.
      out.status = dns_status::nxdomain;
      return;
    case rcode_servfail:
      out.status = dns_status::servfail;
      return;
    case rcode_refused:
      out.status = dns_status::refused;
      return;
    default:
      out.status = dns_status::error;
      return;
  }

  size_t pos = header_len;
  for (uint16_t i = 0; i < qdcount; ++i) {
    pos = read_name(pkt, pos, nullptr);
    if (pos == 0 || pos + 4 > pkt.size()) {
      out.status = dns_status::error;
      return;
    }
    pos += 4;
  }

  // Answer sections are small (a PTR set of a few hundred names at most);
  // keep the records and walk the CNAME chain over them. ANCOUNT is only a
  // claim: reserve no more records than the rest of the packet can hold (at
  // least 11 octets each), not 65535 on the word of a 12-byte packet.
  constexpr size_t min_rr_len = 11;
  std::vector<rr_view> rrs;
  rrs.reserve(std::min<size_t>(ancount, (pkt.size() - pos) / min_rr_len));
  for (uint16_t i = 0; i < ancount; ++i) {
    rr_view rr;
    pos = read_name(pkt, pos, &rr.owner);
    if (pos == 0 || pos + 10 > pkt.size()) {
      out.status = dns_status::error;
      return;
    }
    rr.type = read16(&pkt[pos]);
    const uint16_t klass = read16(&pkt[pos + 2]);
    rr.rdlength = read16(&pkt[pos + 8]);
    rr.rdata = pos + 10;
    pos = rr.rdata + rr.rdlength;
    if (pos > pkt.size()) {
      out.status = dns_status::error;
      return;
    }
    if (klass == class_in) {
      rrs.push_back(std::move(rr));
    }
  }

  std::string current = normalise_name(qname);
  std::string target;
  for (int hop = 0; hop <= max_cname_hops; ++hop) {
    bool found = false;
    for (const rr_view& rr : rrs) {
      if (rr.type != qtype || rr.owner != current) {
        continue;
      }
      if (qtype == dns_type_ptr) {
        if (read_name(pkt, rr.rdata, &target) != 0 && !target.empty()) {
          out.names.push_back(target);
          found = true;
        }
      } else if (qtype == dns_type_a && rr.rdlength == 4) {
        uint32_t v = (uint32_t{pkt[rr.rdata]} << 24) | (uint32_t{pkt[rr.rdata + 1]} << 16) |
                     (uint32_t{pkt[rr.rdata + 2]} << 8) | uint32_t{pkt[rr.rdata + 3]};
        out.addrs.push_back(ip_address::v4(v));
        found = true;
      } else if (qtype == dns_type_aaaa && rr.rdlength == 16) {
        std::array<uint8_t, 16> b{};
        std::memcpy(b.data(), &pkt[rr.rdata], 16);
        out.addrs.push_back(ip_address::v6(b));
        found = true;
      }
    }
    if (found) {
      out.status = dns_status::ok;
      return;
    }
    const rr_view* cname = nullptr;
    for (const rr_view& rr : rrs) {
      if (rr.type == dns_type_cname && rr.owner == current) {
        cname = &rr;
        break;
      }
    }
    if (cname == nullptr || read_name(pkt, cname->rdata, &target) == 0 || target.empty()) {
      break;
    }
    current = target;
    out.cname_hops = static_cast<uint8_t>(hop + 1);
  }
  if (out.cname_hops > 0 && out.cname_hops <= max_cname_hops) {
    out.dangling_cname = current;
  }
  out.status = dns_status::nodata;
}

}  // namespace ptrscan
