#include "dns/records.h"

#include <algorithm>

#include "dns/wire.h"

namespace ptrscan {
namespace {

constexpr int rcode_noerror = 0;
constexpr int rcode_servfail = 2;
constexpr int rcode_nxdomain = 3;
constexpr int rcode_refused = 5;
constexpr uint16_t class_in = 1;
// Compression pointers a single name may follow: far more than any honest
// packet needs, few enough that a pointer loop ends at once.
constexpr int max_name_jumps = 64;
// A wire name is at most 255 octets; in text with \DDD escapes at most 4x.
constexpr size_t max_text_name = 1024;
// The smallest resource record: root owner, type, class, TTL, rdlength.
constexpr size_t min_rr_len = 11;

uint16_t read16(std::span<const uint8_t> pkt, size_t pos) {
  return static_cast<uint16_t>((pkt[pos] << 8) | pkt[pos + 1]);
}

char lower(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
}

/// Appends one label octet in zone-file text form: '.' and '\' escaped and
/// non-printable octets as \DDD, so a label can never smuggle a dot.
void append_label_octet(uint8_t c, std::string& text) {
  if (c == '.' || c == '\\') {
    text.push_back('\\');
    text.push_back(static_cast<char>(c));
  } else if (c <= 0x20 || c >= 0x7f) {
    const char esc[4] = {'\\', static_cast<char>('0' + c / 100),
                         static_cast<char>('0' + (c / 10) % 10), static_cast<char>('0' + c % 10)};
    text.append(esc, 4);
  } else {
    text.push_back(lower(c));
  }
}

/// Decodes the (possibly compressed) name at `pos` into lower-case text
/// without the trailing dot (empty for the root). Returns the offset just
/// past the name where it starts, or 0 when the name is malformed: out of
/// the packet, over 255 octets, an obsolete label type, or a pointer chain
/// longer than max_name_jumps (which is how a loop ends).
size_t read_name(std::span<const uint8_t> pkt, size_t pos, std::string* text) {
  size_t end = 0;  // where the name ends at its start (set at the first jump)
  int jumps = 0;
  size_t wire_len = 1;  // the root label
  if (text != nullptr) {
    text->clear();
  }
  while (pos < pkt.size()) {
    const uint8_t len = pkt[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= pkt.size() || ++jumps > max_name_jumps) {
        return 0;
      }
      if (end == 0) {
        end = pos + 2;
      }
      pos = static_cast<size_t>((len & 0x3f) << 8) | pkt[pos + 1];
      continue;
    }
    if ((len & 0xc0) != 0) {
      return 0;  // 0x40/0x80 label types are obsolete (RFC 6891 §5)
    }
    if (len == 0) {
      return end != 0 ? end : pos + 1;
    }
    wire_len += len + 1;
    if (wire_len > max_wire_name || pos + 1 + len > pkt.size()) {
      return 0;
    }
    if (text != nullptr) {
      if (!text->empty()) {
        text->push_back('.');
      }
      for (size_t i = 0; i < len; ++i) {
        append_label_octet(pkt[pos + 1 + i], *text);
      }
      if (text->size() > max_text_name) {
        return 0;
      }
    }
    pos += 1 + len;
  }
  return 0;
}

struct rr_ref {
  std::string owner;
  uint16_t type = 0;
  size_t rdata = 0;
  uint16_t rdlength = 0;
};

/// Maps the header's rcode to a status; ok means "read the answer section".
dns_status status_of_rcode(int rcode) {
  switch (rcode) {
    case rcode_noerror:
      return dns_status::ok;
    case rcode_nxdomain:
      return dns_status::nxdomain;
    case rcode_servfail:
      return dns_status::servfail;
    case rcode_refused:
      return dns_status::refused;
    default:
      return dns_status::error;
  }
}

/// Skips the question section and collects the IN-class answer records.
/// False when any length or name in them runs off the packet.
bool read_answer_section(std::span<const uint8_t> pkt, std::vector<rr_ref>& rrs) {
  const uint16_t qdcount = read16(pkt, 4);
  const uint16_t ancount = read16(pkt, 6);
  size_t pos = dns_header_bytes;
  for (uint16_t i = 0; i < qdcount; ++i) {
    pos = read_name(pkt, pos, nullptr);
    if (pos == 0 || pos + 4 > pkt.size()) {
      return false;
    }
    pos += 4;
  }
  // ANCOUNT is only a claim: reserve no more than the packet can hold.
  rrs.reserve(std::min<size_t>(ancount, (pkt.size() - pos) / min_rr_len));
  for (uint16_t i = 0; i < ancount; ++i) {
    rr_ref rr;
    pos = read_name(pkt, pos, &rr.owner);
    if (pos == 0 || pos + 10 > pkt.size()) {
      return false;
    }
    rr.type = read16(pkt, pos);
    const uint16_t klass = read16(pkt, pos + 2);
    rr.rdlength = read16(pkt, pos + 8);
    rr.rdata = pos + 10;
    pos = rr.rdata + rr.rdlength;
    if (pos > pkt.size()) {
      return false;
    }
    if (klass == class_in) {
      rrs.push_back(std::move(rr));
    }
  }
  return true;
}

/// TXT rdata is one or more <length><octets> character-strings that fill it
/// exactly (RFC 1035 §3.3.14); they are joined without separators.
bool decode_txt(std::span<const uint8_t> rdata, std::string& out) {
  out.clear();
  if (rdata.empty()) {
    return false;
  }
  size_t pos = 0;
  while (pos < rdata.size()) {
    const size_t len = rdata[pos];
    if (pos + 1 + len > rdata.size()) {
      return false;
    }
    out.append(reinterpret_cast<const char*>(rdata.data() + pos + 1), len);
    pos += 1 + len;
  }
  return true;
}

/// MX rdata: a 16-bit preference and a (possibly compressed) name, which
/// must end inside the rdata.
bool decode_mx(std::span<const uint8_t> pkt, const rr_ref& rr, mx_record& out) {
  if (rr.rdlength < 3) {
    return false;
  }
  out.preference = read16(pkt, rr.rdata);
  const size_t end = read_name(pkt, rr.rdata + 2, &out.exchange);
  return end != 0 && end == rr.rdata + rr.rdlength;
}

/// Decodes one record of the asked type into `out`; false if malformed.
bool decode_record(std::span<const uint8_t> pkt, const rr_ref& rr, uint16_t qtype,
                   dns_records& out) {
  if (qtype == dns_type_txt) {
    std::string text;
    if (!decode_txt(pkt.subspan(rr.rdata, rr.rdlength), text)) {
      return false;
    }
    out.texts.push_back(std::move(text));
    return true;
  }
  mx_record mx;
  if (!decode_mx(pkt, rr, mx)) {
    return false;
  }
  out.mx.push_back(std::move(mx));
  return true;
}

const rr_ref* find_cname(const std::vector<rr_ref>& rrs, const std::string& owner) {
  for (const rr_ref& rr : rrs) {
    if (rr.type == dns_type_cname && rr.owner == owner) {
      return &rr;
    }
  }
  return nullptr;
}

/// Walks from `qname` along CNAMEs (at most max_cname_hops) to the first
/// name that owns records of `qtype`, and decodes them.
void follow_chain(std::span<const uint8_t> pkt, const std::vector<rr_ref>& rrs,
                  std::string_view qname, uint16_t qtype, dns_records& out) {
  std::string current = normalise_name(qname);
  std::string target;
  for (int hop = 0; hop <= max_cname_hops; ++hop) {
    bool found = false;
    for (const rr_ref& rr : rrs) {
      if (rr.type != qtype || rr.owner != current) {
        continue;
      }
      if (!decode_record(pkt, rr, qtype, out)) {
        out.texts.clear();
        out.mx.clear();
        out.status = dns_status::error;
        return;
      }
      found = true;
    }
    if (found) {
      out.status = dns_status::ok;
      return;
    }
    const rr_ref* cname = find_cname(rrs, current);
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

void parse_addresses(std::span<const uint8_t> pkt, std::string_view qname, uint16_t qtype,
                     dns_records& out) {
  dns_answer answer;
  parse_answer(pkt, qname, qtype, answer);
  out.status = answer.status;
  out.addrs = std::move(answer.addrs);
  out.dangling_cname = std::move(answer.dangling_cname);
  out.cname_hops = answer.cname_hops;
}

}  // namespace

void dns_records::clear() {
  status = dns_status::error;
  texts.clear();
  mx.clear();
  addrs.clear();
  null_mx = false;
  dangling_cname.clear();
  cname_hops = 0;
}

void parse_records(std::span<const uint8_t> pkt, std::string_view qname, uint16_t qtype,
                   dns_records& out) {
  out.clear();
  if (qtype == dns_type_a || qtype == dns_type_aaaa) {
    parse_addresses(pkt, qname, qtype, out);
    return;
  }
  if (pkt.size() < dns_header_bytes || (qtype != dns_type_txt && qtype != dns_type_mx)) {
    return;
  }
  // NXDOMAIN may still carry the CNAME chain that led to the missing name;
  // the verdict is the same, so every non-NOERROR rcode ends here.
  out.status = status_of_rcode(pkt[3] & 0x0f);
  if (out.status != dns_status::ok) {
    return;
  }
  std::vector<rr_ref> rrs;
  if (!read_answer_section(pkt, rrs)) {
    out.status = dns_status::error;
    return;
  }
  follow_chain(pkt, rrs, qname, qtype, out);
  out.null_mx = out.status == dns_status::ok && out.mx.size() == 1 && out.mx[0].preference == 0 &&
                out.mx[0].exchange.empty();
}

}  // namespace ptrscan
