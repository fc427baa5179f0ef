#include "dns/reply.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <unordered_set>

namespace ptrscan {
namespace {

constexpr int rcode_noerror = 0;
constexpr int rcode_servfail = 2;
constexpr int rcode_nxdomain = 3;
constexpr int rcode_refused = 5;
constexpr uint16_t class_in = 1;
// The smallest resource record: root owner, type, class, TTL, rdlength.
constexpr size_t min_rr_len = 11;

uint16_t read16(std::span<const uint8_t> pkt, size_t pos) {
  return static_cast<uint16_t>((pkt[pos] << 8) | pkt[pos + 1]);
}

struct rr_ref {
  std::string owner;
  uint16_t type = 0;
  size_t rdata = 0;
  uint16_t rdlength = 0;
};

bool supported(uint16_t qtype) {
  return qtype == dns_type_ptr || qtype == dns_type_a || qtype == dns_type_aaaa ||
         qtype == dns_type_txt || qtype == dns_type_mx;
}

/// Skips the question section and collects the IN-class answer records.
/// False when any length or name in them is malformed.
bool read_answer_section(std::span<const uint8_t> pkt, std::vector<rr_ref>& rrs) {
  size_t pos = skip_question_section(pkt);
  if (pos == 0) {
    return false;
  }
  const uint16_t ancount = read16(pkt, 6);
  // Answer sections are small (a PTR set of a few hundred names at most);
  // the records are kept and the CNAME chain walked over them. ANCOUNT is
  // only a claim: reserve no more than the rest of the packet can hold, not
  // 65535 on the word of a 12-byte packet.
  rrs.reserve(std::min<size_t>(ancount, (pkt.size() - pos) / min_rr_len));
  for (uint16_t i = 0; i < ancount; ++i) {
    rr_ref rr;
    dns_record_header h;
    pos = read_record(pkt, pos, &rr.owner, h);
    if (pos == 0) {
      return false;
    }
    if (h.klass == class_in) {
      rr.type = h.type;
      rr.rdata = h.rdata;
      rr.rdlength = h.rdlength;
      rrs.push_back(std::move(rr));
    }
  }
  return true;
}

/// A name that fills the rest of an rdata from `start` (PTR, CNAME, MX's
/// exchange): it may be compressed, but must end where the rdata ends.
bool read_rdata_name(std::span<const uint8_t> pkt, const rr_ref& rr, size_t start,
                     std::string& out) {
  const size_t end = read_name(pkt, start, &out);
  return end != 0 && end == rr.rdata + rr.rdlength;
}

/// TXT rdata is one or more <length><octets> character-strings that fill it
/// exactly (RFC 1035 §3.3.14); they are joined without separators. Empty
/// rdata (no strings at all) breaks that grammar but is published and served
/// in the wild; it reads as a record with no text, which harms no verdict
/// (it is never an SPF record, RFC 7208 §3.3 / the suite's "null-text"),
/// where making the whole answer an error would hide the records beside it.
bool decode_txt(std::span<const uint8_t> rdata, std::string& out) {
  out.clear();
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

enum class decoded : uint8_t { added, skipped, malformed };

/// The hashes of the distinct PTR names an answer held beyond the ones
/// kept: 8 bytes a name, bounded by the packet (a 64 KiB answer holds at
/// most ~5,900 records), so a repeated name is not counted twice.
using dropped_names = std::unordered_set<uint64_t>;

/// Adds one PTR name to `out.names`, kept sorted, distinct and capped at
/// max_ptr_names: the smallest names in byte order stay, whatever order the
/// RR set came in. Every distinct name is counted in `out.names_total`.
void keep_ptr_name(std::string&& name, dns_reply& out, dropped_names& dropped) {
  std::vector<std::string>& kept = out.names;
  const auto at = std::lower_bound(kept.begin(), kept.end(), name);
  if (at != kept.end() && *at == name) {
    return;  // a repeat of a kept name
  }
  if (kept.size() < max_ptr_names) {
    // Nothing was dropped yet (the list only fills up), so the name is new.
    kept.insert(at, std::move(name));
    ++out.names_total;
    return;
  }
  if (at == kept.end()) {
    // After every kept name: count it once, keep only its hash.
    if (dropped.insert(std::hash<std::string>{}(name)).second) {
      ++out.names_total;
    }
    return;
  }
  // Before the largest kept name: new (every dropped name sorts after all
  // kept ones), and it displaces that largest name, which was counted.
  const size_t index = static_cast<size_t>(at - kept.begin());
  dropped.insert(std::hash<std::string>{}(kept.back()));
  kept.pop_back();
  kept.insert(kept.begin() + static_cast<std::ptrdiff_t>(index), std::move(name));
  ++out.names_total;
}

/// Decodes one record of the asked type into `out`.
decoded decode_record(std::span<const uint8_t> pkt, const rr_ref& rr, uint16_t qtype,
                      dns_reply& out, dropped_names& dropped) {
  switch (qtype) {
    case dns_type_ptr: {
      std::string target;
      if (!read_rdata_name(pkt, rr, rr.rdata, target)) {
        return decoded::malformed;
      }
      if (target.empty()) {
        return decoded::skipped;  // a PTR to the root names no host
      }
      keep_ptr_name(std::move(target), out, dropped);
      return decoded::added;
    }
    case dns_type_a: {
      if (rr.rdlength != 4) {
        return decoded::malformed;
      }
      const uint32_t v = (uint32_t{pkt[rr.rdata]} << 24) | (uint32_t{pkt[rr.rdata + 1]} << 16) |
                         (uint32_t{pkt[rr.rdata + 2]} << 8) | uint32_t{pkt[rr.rdata + 3]};
      out.addrs.push_back(ip_address::v4(v));
      return decoded::added;
    }
    case dns_type_aaaa: {
      if (rr.rdlength != 16) {
        return decoded::malformed;
      }
      std::array<uint8_t, 16> b{};
      std::memcpy(b.data(), &pkt[rr.rdata], 16);
      out.addrs.push_back(ip_address::v6(b));
      return decoded::added;
    }
    case dns_type_txt: {
      std::string text;
      if (!decode_txt(pkt.subspan(rr.rdata, rr.rdlength), text)) {
        return decoded::malformed;
      }
      out.texts.push_back(std::move(text));
      return decoded::added;
    }
    case dns_type_mx: {
      // A 16-bit preference and a (possibly compressed) name.
      mx_record mx;
      if (rr.rdlength < 3) {
        return decoded::malformed;
      }
      mx.preference = read16(pkt, rr.rdata);
      if (!read_rdata_name(pkt, rr, rr.rdata + 2, mx.exchange)) {
        return decoded::malformed;
      }
      out.mx.push_back(std::move(mx));
      return decoded::added;
    }
    default:
      return decoded::malformed;
  }
}

const rr_ref* find_cname(const std::vector<rr_ref>& rrs, const std::string& owner) {
  for (const rr_ref& rr : rrs) {
    if (rr.type == dns_type_cname && rr.owner == owner) {
      return &rr;
    }
  }
  return nullptr;
}

void set_error(dns_reply& out, std::string_view reason) {
  out.names.clear();
  out.names_total = 0;
  out.addrs.clear();
  out.texts.clear();
  out.mx.clear();
  out.dangling_cname.clear();
  out.status = dns_status::error;
  out.reason = reason;
}

/// Walks from `qname` along CNAMEs (at most max_cname_hops) to the first
/// name that owns records of `qtype`, and decodes them.
void follow_chain(std::span<const uint8_t> pkt, const std::vector<rr_ref>& rrs,
                  std::string_view qname, uint16_t qtype, dns_reply& out) {
  std::string current = normalise_name(qname);
  std::string target;
  dropped_names dropped;
  for (int hop = 0; hop <= max_cname_hops; ++hop) {
    bool found = false;
    for (const rr_ref& rr : rrs) {
      if (rr.type != qtype || rr.owner != current) {
        continue;
      }
      switch (decode_record(pkt, rr, qtype, out, dropped)) {
        case decoded::added:
          found = true;
          break;
        case decoded::skipped:
          break;
        case decoded::malformed:
          set_error(out, dns_reason::malformed);
          return;
      }
    }
    if (found) {
      out.status = dns_status::ok;
      if (hop > 0) {
        out.answer_owner = current;
      }
      return;
    }
    const rr_ref* cname = find_cname(rrs, current);
    if (cname == nullptr) {
      break;
    }
    if (!read_rdata_name(pkt, *cname, cname->rdata, target)) {
      // The chain is broken, not absent: "no such record" would be a guess.
      set_error(out, dns_reason::malformed);
      return;
    }
    if (target.empty()) {
      break;  // a CNAME to the root leads nowhere
    }
    current = target;
    out.cname_hops = static_cast<uint8_t>(hop + 1);
  }
  if (out.cname_hops > 0 && out.cname_hops <= max_cname_hops) {
    out.dangling_cname = current;
  }
  out.status = dns_status::nodata;
}

}  // namespace

size_t skip_question_section(std::span<const uint8_t> pkt) {
  if (pkt.size() < dns_header_bytes) {
    return 0;
  }
  const uint16_t qdcount = read16(pkt, 4);
  size_t pos = dns_header_bytes;
  for (uint16_t i = 0; i < qdcount; ++i) {
    pos = read_name(pkt, pos, nullptr);
    if (pos == 0 || pos + 4 > pkt.size()) {
      return 0;
    }
    pos += 4;
  }
  return pos;
}

size_t read_record(std::span<const uint8_t> pkt, size_t pos, std::string* owner,
                   dns_record_header& out) {
  pos = read_name(pkt, pos, owner);
  if (pos == 0 || pos + 10 > pkt.size()) {
    return 0;
  }
  out.type = read16(pkt, pos);
  out.klass = read16(pkt, pos + 2);
  out.ttl = (uint32_t{pkt[pos + 4]} << 24) | (uint32_t{pkt[pos + 5]} << 16) |
            (uint32_t{pkt[pos + 6]} << 8) | uint32_t{pkt[pos + 7]};
  out.rdlength = read16(pkt, pos + 8);
  out.rdata = pos + 10;
  const size_t end = out.rdata + out.rdlength;
  return end > pkt.size() ? 0 : end;
}

void dns_reply::clear() {
  status = dns_status::error;
  reason = {};
  names.clear();
  names_total = 0;
  addrs.clear();
  texts.clear();
  mx.clear();
  null_mx = false;
  dangling_cname.clear();
  answer_owner.clear();
  cname_hops = 0;
}

void parse_reply(std::span<const uint8_t> pkt, std::string_view qname, uint16_t qtype,
                 dns_reply& out) {
  out.clear();
  if (!supported(qtype)) {
    out.reason = dns_reason::unsupported_type;
    return;
  }
  if (pkt.size() < dns_header_bytes) {
    out.reason = dns_reason::malformed;
    return;
  }
  // NXDOMAIN may still carry the CNAME chain that led to the missing name;
  // the verdict is the same, so every non-NOERROR rcode ends here.
  switch (pkt[3] & 0x0f) {
    case rcode_noerror:
      break;
    case rcode_nxdomain:
      out.status = dns_status::nxdomain;
      return;
    case rcode_servfail:
      out.status = dns_status::servfail;
      return;
    case rcode_refused:
      out.status = dns_status::refused;
      return;
    default:
      out.reason = dns_reason::rcode;  // FORMERR, NOTIMP, ...: outside the contract's set
      return;
  }
  std::vector<rr_ref> rrs;
  if (!read_answer_section(pkt, rrs)) {
    out.reason = dns_reason::malformed;
    return;
  }
  follow_chain(pkt, rrs, qname, qtype, out);
  out.null_mx = out.status == dns_status::ok && qtype == dns_type_mx && out.mx.size() == 1 &&
                out.mx[0].preference == 0 && out.mx[0].exchange.empty();
}

}  // namespace ptrscan
