#include "simnet/dns_answer.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "simnet/zone_answer.h"

namespace ptrscan::simnet {
namespace {

constexpr size_t header_size = 12;
constexpr size_t max_labels = 128;  // a 255-octet name has at most 127
constexpr uint16_t flag_qr = 0x8000;
constexpr uint16_t flag_aa = 0x0400;
constexpr uint16_t flag_rd = 0x0100;
constexpr uint8_t rcode_badvers = 16;  // extended: upper bits go in the OPT record

uint16_t be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return uint32_t{be16(b, at)} << 16 | be16(b, at + 2);
}

/// The parts of a query the answer depends on. Labels point into the query.
struct query {
  uint16_t id = 0;
  uint16_t flags = 0;
  size_t question_end = 0;  // offset just past QCLASS
  std::array<std::string_view, max_labels> labels;
  size_t label_count = 0;
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool edns = false;
  uint8_t edns_version = 0;
  bool dnssec_ok = false;

  std::span<const std::string_view> name() const { return {labels.data(), label_count}; }
};

// Reads the question name at `pos` into q.labels; the offset past it, or
// nullopt when malformed. Compression is refused here: no client compresses
// the only name of a query, and refusing it keeps the parser loop-free.
std::optional<size_t> read_question_name(std::span<const uint8_t> b, size_t pos, query& q) {
  size_t wire_len = 0;
  while (pos < b.size()) {
    const uint8_t len = b[pos];
    wire_len += 1 + len;
    if ((len & 0xC0) != 0 || wire_len > 255) {
      return std::nullopt;
    }
    if (len == 0) {
      return pos + 1;
    }
    if (pos + 1 + len > b.size() || q.label_count == max_labels) {
      return std::nullopt;
    }
    q.labels[q.label_count++] =
        std::string_view(reinterpret_cast<const char*>(b.data() + pos + 1), len);
    pos += 1 + len;
  }
  return std::nullopt;
}

// Skips a name in a resource record, where a compression pointer may end it.
std::optional<size_t> skip_name(std::span<const uint8_t> b, size_t pos) {
  while (pos < b.size()) {
    const uint8_t len = b[pos];
    if ((len & 0xC0) == 0xC0) {
      return pos + 2 <= b.size() ? std::optional<size_t>(pos + 2) : std::nullopt;
    }
    if ((len & 0xC0) != 0) {
      return std::nullopt;
    }
    if (len == 0) {
      return pos + 1;
    }
    pos += 1 + len;
  }
  return std::nullopt;
}

// Reads the additional section for an OPT record (RFC 6891); false when it is
// malformed or holds more than one OPT.
bool read_additional(std::span<const uint8_t> b, size_t pos, uint16_t count, query& q) {
  for (uint16_t i = 0; i < count; ++i) {
    const size_t name_start = pos;
    const auto after_name = skip_name(b, pos);
    if (!after_name || *after_name + 10 > b.size()) {
      return false;
    }
    pos = *after_name;
    const uint16_t type = be16(b, pos);
    const uint32_t ttl = be32(b, pos + 4);
    const uint16_t rdlen = be16(b, pos + 8);
    pos += 10;
    if (pos + rdlen > b.size()) {
      return false;
    }
    pos += rdlen;
    if (type == dns::type_opt) {
      if (q.edns || b[name_start] != 0) {
        return false;
      }
      q.edns = true;
      q.edns_version = static_cast<uint8_t>(ttl >> 16);
      q.dnssec_ok = (ttl & 0x8000) != 0;
    }
  }
  return true;
}

enum class parse_result { ok, formerr, notimp };

parse_result parse_query(std::span<const uint8_t> b, query& q) {
  if ((q.flags >> 11 & 15) != 0) {
    return parse_result::notimp;
  }
  if (be16(b, 4) != 1 || be16(b, 6) != 0 || be16(b, 8) != 0) {
    return parse_result::formerr;  // one question, no answers or authority
  }
  const auto after_name = read_question_name(b, header_size, q);
  if (!after_name || *after_name + 4 > b.size()) {
    return parse_result::formerr;
  }
  q.qtype = be16(b, *after_name);
  q.qclass = be16(b, *after_name + 2);
  q.question_end = *after_name + 4;
  return read_additional(b, q.question_end, be16(b, 10), q) ? parse_result::ok
                                                            : parse_result::formerr;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool label_is(std::string_view label, std::string_view lower_text) {
  if (label.size() != lower_text.size()) {
    return false;
  }
  for (size_t i = 0; i < label.size(); ++i) {
    if (lower(label[i]) != lower_text[i]) {
      return false;
    }
  }
  return true;
}

bool ends_with_labels(std::span<const std::string_view> name,
                      std::initializer_list<std::string_view> suffix) {
  if (name.size() < suffix.size()) {
    return false;
  }
  size_t i = name.size() - suffix.size();
  for (std::string_view s : suffix) {
    if (!label_is(name[i++], s)) {
      return false;
    }
  }
  return true;
}

// The name in lower case with dots, or nullopt when a label holds anything
// but letters, digits, '-' and '_' (a label with a '.' inside must not pass
// for two labels).
std::optional<std::string> host_name(std::span<const std::string_view> labels) {
  std::string name;
  for (std::string_view label : labels) {
    if (!name.empty()) {
      name += '.';
    }
    for (char c : label) {
      const char l = lower(c);
      if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '_')) {
        return std::nullopt;
      }
      name += l;
    }
  }
  return name;
}

/// What to say about a name in one of our zones.
struct verdict {
  uint8_t rcode = dns::rcode_noerror;
  bool authoritative = true;
  std::variant<std::monostate, uint32_t, std::string> answer;  // none, A, PTR name
};

verdict refused() { return {dns::rcode_refused, false, {}}; }
verdict nxdomain() { return {dns::rcode_nxdomain, true, {}}; }
verdict nodata() { return {}; }

// A name under in-addr.arpa: `octets` are the labels before it, least
// significant first ("7.3.18.198").
verdict reverse_verdict(const model& m, std::span<const std::string_view> octets, uint16_t qtype) {
  const size_t zone_octets = static_cast<size_t>(m.reverse_zone_prefix() / 8);
  if (octets.size() < zone_octets) {
    return refused();  // above our zones
  }
  uint32_t ip = 0;
  for (size_t i = 0; i < zone_octets; ++i) {
    const auto o = parse_octet(octets[octets.size() - 1 - i]);
    if (!o) {
      return refused();
    }
    ip = ip << 8 | *o;
  }
  ip <<= 32 - 8 * zone_octets;
  if (!m.in_range(ip)) {
    return refused();
  }
  if (octets.size() > 4) {
    return nxdomain();
  }
  for (size_t i = zone_octets; i < octets.size(); ++i) {
    const auto o = parse_octet(octets[octets.size() - 1 - i]);
    if (!o) {
      return nxdomain();
    }
    ip |= *o << (24 - 8 * i);
  }
  if (octets.size() < 4) {
    // The apex, or an empty non-terminal above the address names: it exists.
    return nodata();
  }
  host_truth t = m.truth(ip);
  if (!t.has_ptr) {
    return nxdomain();
  }
  verdict v;
  if (qtype == dns::type_ptr) {
    v.answer = std::move(t.ptr_name);
  }
  return v;
}

verdict forward_verdict(const model& m, std::span<const std::string_view> labels, uint16_t qtype) {
  const auto name = host_name(labels);
  if (!name) {
    return nxdomain();
  }
  const forward_record r = m.forward(*name);
  if (!r.exists) {
    return nxdomain();
  }
  verdict v;
  if (qtype == dns::type_a && r.a) {
    v.answer = *r.a;
  }
  return v;
}

verdict decide(const model& m, const query& q) {
  if (q.qclass != dns::class_in) {
    return refused();
  }
  const auto name = q.name();
  if (ends_with_labels(name, {"sim", "test"})) {
    return forward_verdict(m, name, q.qtype);
  }
  if (ends_with_labels(name, {"in-addr", "arpa"})) {
    return reverse_verdict(m, name.first(name.size() - 2), q.qtype);
  }
  return refused();
}

/// Appends big-endian fields to `out`; remembers whether everything fitted.
class writer {
 public:
  explicit writer(std::span<uint8_t> out) : out_(out) {}

  void u8(uint8_t v) {
    if (len_ < out_.size()) {
      out_[len_] = v;
    } else {
      fits_ = false;
    }
    ++len_;
  }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void bytes(std::span<const uint8_t> b) {
    for (uint8_t v : b) {
      u8(v);
    }
  }
  void name(std::string_view dotted) {
    while (!dotted.empty()) {
      const size_t dot = dotted.find('.');
      const std::string_view label = dotted.substr(0, dot);
      u8(static_cast<uint8_t>(label.size()));
      bytes({reinterpret_cast<const uint8_t*>(label.data()), label.size()});
      dotted.remove_prefix(dot == std::string_view::npos ? dotted.size() : dot + 1);
    }
    u8(0);
  }
  // Overwrites a 16-bit field written earlier (an RDLENGTH).
  void patch16(size_t at, uint16_t v) {
    if (at + 2 <= out_.size()) {
      out_[at] = static_cast<uint8_t>(v >> 8);
      out_[at + 1] = static_cast<uint8_t>(v);
    }
  }
  size_t size() const { return len_; }
  bool fits() const { return fits_; }

 private:
  std::span<uint8_t> out_;
  size_t len_ = 0;
  bool fits_ = true;
};

size_t write_reply(const query& q, std::span<const uint8_t> raw, uint8_t rcode, bool authoritative,
                   const verdict* v, std::span<uint8_t> out) {
  const bool with_question = q.question_end != 0;
  const bool with_answer = v != nullptr && v->answer.index() != 0;
  const bool with_opt = q.edns;
  writer w(out);
  w.u16(q.id);
  w.u16(static_cast<uint16_t>(flag_qr | (q.flags & 0x7800) | (authoritative ? flag_aa : 0) |
                              (q.flags & flag_rd) | (rcode & 15)));
  w.u16(with_question ? 1 : 0);
  w.u16(with_answer ? 1 : 0);
  w.u16(0);
  w.u16(with_opt ? 1 : 0);
  if (with_question) {
    w.bytes(raw.subspan(header_size, q.question_end - header_size));
  }
  if (with_answer) {
    w.u16(0xC000 | header_size);  // the question's name
    const bool is_a = std::holds_alternative<uint32_t>(v->answer);
    w.u16(is_a ? dns::type_a : dns::type_ptr);
    w.u16(dns::class_in);
    w.u32(dns::answer_ttl);
    const size_t rdlength_at = w.size();
    w.u16(0);
    if (is_a) {
      w.u32(std::get<uint32_t>(v->answer));
    } else {
      w.name(std::get<std::string>(v->answer));
    }
    w.patch16(rdlength_at, static_cast<uint16_t>(w.size() - rdlength_at - 2));
  }
  if (with_opt) {
    w.u8(0);  // root
    w.u16(dns::type_opt);
    w.u16(dns::edns_payload);
    w.u32(uint32_t{static_cast<uint8_t>(rcode >> 4)} << 24 | (q.dnssec_ok ? 0x8000U : 0U));
    w.u16(0);
  }
  return w.fits() ? w.size() : 0;
}

void write_opt(writer& w, const query& q, uint8_t rcode) {
  w.u8(0);  // root
  w.u16(dns::type_opt);
  w.u16(dns::edns_payload);
  w.u32(uint32_t{static_cast<uint8_t>(rcode >> 4)} << 24 | (q.dnssec_ok ? 0x8000U : 0U));
  w.u16(0);
}

// A reply of the delegation model: its records section by section, names
// written whole (no compression: the replies are small).
size_t write_zone_reply(const query& q, std::span<const uint8_t> raw, const zone_reply& z,
                        std::span<uint8_t> out) {
  writer w(out);
  uint16_t counts[3] = {0, 0, 0};
  for (const zone_rr& rr : z.rrs) {
    ++counts[static_cast<int>(rr.section)];
  }
  w.u16(q.id);
  w.u16(static_cast<uint16_t>(flag_qr | (q.flags & 0x7800) | (z.aa ? flag_aa : 0) |
                              (q.flags & flag_rd) | (z.rcode & 15)));
  w.u16(1);
  w.u16(counts[0]);
  w.u16(counts[1]);
  w.u16(static_cast<uint16_t>(counts[2] + (q.edns ? 1 : 0)));
  w.bytes(raw.subspan(header_size, q.question_end - header_size));
  for (const zone_rr::section_t s :
       {zone_rr::section_t::answer, zone_rr::section_t::authority, zone_rr::section_t::additional}) {
    for (const zone_rr& rr : z.rrs) {
      if (rr.section != s) {
        continue;
      }
      w.name(rr.owner);
      w.u16(rr.type);
      w.u16(dns::class_in);
      w.u32(dns::answer_ttl);
      const size_t rdlength_at = w.size();
      w.u16(0);
      if (rr.type == dns::type_a) {
        w.u32(rr.value);
      } else if (rr.type == dns::type_ns) {
        w.name(rr.target);
      } else {  // SOA
        w.name(rr.target);
        w.name(zone_rname);
        w.u32(rr.value);
        w.u32(3600);   // refresh
        w.u32(600);    // retry
        w.u32(86400);  // expire
        w.u32(dns::answer_ttl);  // negative TTL
      }
      w.patch16(rdlength_at, static_cast<uint16_t>(w.size() - rdlength_at - 2));
    }
  }
  if (q.edns) {
    write_opt(w, q, z.rcode);
  }
  return w.fits() ? w.size() : 0;
}

// The question's name in lower case with dots, or "" when a label holds a
// dot or a byte outside letters, digits, '-' and '_'.
std::string lower_name(std::span<const std::string_view> labels) {
  return host_name(labels).value_or(std::string());
}

// Only SOA and NS questions, and A/AAAA of names shaped like a name server's
// ("ns1.z10-3.sim.test": four labels, the second starting with 'z', which no
// PTR name has), can be the delegation model's: everything else skips the
// string it would need.
bool may_be_zone_question(const query& q) {
  if (q.qtype == dns::type_soa || q.qtype == dns::type_ns) {
    return true;
  }
  const auto name = q.name();
  return (q.qtype == dns::type_a || q.qtype == dns::type_aaaa) && name.size() == 4 &&
         !name[1].empty() && lower(name[1][0]) == 'z' && ends_with_labels(name, {"sim", "test"});
}

/// Parses `raw` into `q`; a reply length when the query is answered without
/// looking at its question (0: no reply), nullopt when it is to be answered.
std::optional<size_t> answer_unparsable(std::span<const uint8_t> raw, query& q,
                                        std::span<uint8_t> out) {
  if (raw.size() < header_size) {
    return 0;
  }
  q.id = be16(raw, 0);
  q.flags = be16(raw, 2);
  if ((q.flags & flag_qr) != 0) {
    return 0;  // a response: answering it could start a loop between two servers
  }
  switch (parse_query(raw, q)) {
    case parse_result::notimp:
    case parse_result::formerr: {
      // Nothing after the header can be trusted, so nothing of it is echoed.
      query header_only;
      header_only.id = q.id;
      header_only.flags = q.flags;
      const bool notimp = (q.flags >> 11 & 15) != 0;
      return write_reply(header_only, raw, notimp ? dns::rcode_notimp : dns::rcode_formerr, false,
                         nullptr, out);
    }
    case parse_result::ok:
      break;
  }
  if (q.edns && q.edns_version != 0) {
    return write_reply(q, raw, rcode_badvers, false, nullptr, out);
  }
  return std::nullopt;
}

}  // namespace

size_t answer_query(const model& m, std::span<const uint8_t> raw, std::span<uint8_t> out,
                    bool delegations) {
  query q;
  if (const auto done = answer_unparsable(raw, q, out); done) {
    return *done;
  }
  if (delegations && q.qclass == dns::class_in && may_be_zone_question(q)) {
    if (const auto z = zone_answer(m, nullptr, lower_name(q.name()), q.qtype); z) {
      return write_zone_reply(q, raw, *z, out);
    }
  }
  const verdict v = decide(m, q);
  return write_reply(q, raw, v.rcode, v.authoritative, &v, out);
}

size_t answer_server_query(const model& m, const zone_server_id& who,
                           std::span<const uint8_t> raw, std::span<uint8_t> out) {
  query q;
  if (const auto done = answer_unparsable(raw, q, out); done) {
    return *done;
  }
  std::optional<zone_reply> z;
  if (q.qclass == dns::class_in) {
    z = zone_answer(m, &who, lower_name(q.name()), q.qtype);
  }
  return write_zone_reply(q, raw, z.value_or(zone_reply{dns::rcode_refused, false, {}}), out);
}

}  // namespace ptrscan::simnet
