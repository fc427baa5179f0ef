#pragma once

// The reverse-zone audit's verdicts (probe "zone"): from what the parent's
// and the zone's own servers answered, the findings a zone's operator has
// to fix; from the zone's PTR names, the naming templates it uses. Pure:
// the probe (lib/probes/zone.cc) does the queries.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dns/dns_status.h"
#include "net/ip_address.h"

namespace ptrscan {

/// What one server address of the zone said to SOA and NS asked without
/// recursion (RD=0), and whether it answers over TCP.
struct zone_server {
  std::string name;  // the NS name the address belongs to
  ip_address ip;
  /// The SOA query: ok (an SOA at the zone), or the rcode / transport
  /// failure (nodata, nxdomain: the server has no such zone).
  dns_status soa = dns_status::error;
  std::string_view soa_error;  // with soa error: why (static text)
  bool aa = false;             // the SOA answer had AA set
  uint32_t serial = 0;         // with soa ok
  uint32_t soa_ttl = 0;
  /// The NS query: ok with an authoritative set (sorted), nodata when the
  /// authoritative answer has none, error when it was not authoritative,
  /// else the rcode or transport failure.
  dns_status ns = dns_status::error;
  std::vector<std::string> ns_names;
  uint32_t ns_ttl = 0;
  /// error: the TCP try never left this host (dns_reason::local), no verdict.
  enum class tcp_t : uint8_t { untested, ok, failed, error } tcp = tcp_t::untested;
};

/// An NS name and the addresses found for it.
struct ns_addresses {
  std::string name;
  std::vector<ip_address> addrs;  // sorted
  /// A lookup of the name (A or AAAA) failed (timeout, SERVFAIL, a cut or
  /// malformed answer): `addrs` may be incomplete, so no finding rests on it.
  bool failed = false;
};

/// Everything the audit learnt about one zone.
struct zone_facts {
  std::string zone;    // the cut: the owner of the zone's SOA
  std::string parent;  // the zone above the cut
  /// The parent's servers' referral (or answer): NS names, sorted; its TTL.
  std::vector<std::string> parent_ns;
  uint32_t parent_ns_ttl = 0;
  bool parent_answered = false;
  /// A referral was asked of at least one parent server address.
  bool parent_asked = false;
  /// A referral or NS answer had more records than the parser keeps
  /// (dns_message::truncated): no glue or NS-set finding is drawn.
  bool records_cut = false;
  /// Glue in the referral's additional section, by name (sorted).
  std::vector<ns_addresses> glue;
  /// The addresses the resolver gave for each NS name (parent's and child's).
  std::vector<ns_addresses> resolved;
  std::vector<zone_server> servers;
};

enum class zone_finding_kind : uint8_t {
  lame_server,      // REFUSED, SERVFAIL, timeout, no AA, no zone, no TCP (not a local error)
  ns_mismatch,      // the parent's NS set differs from the zone's own
  serial_mismatch,  // the servers' SOA serials differ
  missing_glue,     // an NS name inside the zone without an address in the referral
  wrong_glue,       // glue with an address the name does not resolve to
  ns_unresolvable,  // an NS name with no address
  single_ns,        // one NS name only (RFC 2182 §5: at least two)
  same_subnet,      // every server address in one /24 (IPv6 /64), RFC 2182 §3.1
  low_ns_ttl,       // the zone's NS TTL under min_ns_ttl
  parent_unreachable,  // no parent server answered for the zone
};
inline constexpr int zone_finding_kind_count = 10;
std::string_view to_string(zone_finding_kind k);

/// NS TTLs below this are reported (RFC 1912 §2.2 asks for a day or more;
/// an hour is the lenient floor used here).
inline constexpr uint32_t min_ns_ttl = 3600;

struct zone_finding {
  zone_finding_kind kind = zone_finding_kind::lame_server;
  std::string server;   // lame_server, glue: the NS name
  std::string address;  // lame_server: the address; wrong_glue: the glue
  std::string reason;   // lame_server: refused|servfail|timeout|not_authoritative|no_zone|no_tcp
  std::vector<std::string> parent_only;  // ns_mismatch
  std::vector<std::string> child_only;   // ns_mismatch
  std::vector<uint32_t> serials;         // serial_mismatch: distinct, sorted
  uint32_t ttl = 0;                      // low_ns_ttl
};

/// The zone's own NS set: that of the first server (in `servers` order)
/// whose NS answer was ok (authoritative); empty when none was.
std::vector<std::string> child_ns_set(const zone_facts& f);

/// Every finding, in zone_finding_kind order (servers in `servers` order).
std::vector<zone_finding> audit_zone(const zone_facts& f);

/// The naming template of `name` for address `ip`: the address's octets
/// written in the name replaced by placeholders {a} {b} {c} {d} (the four
/// in order, dashed or dotted, forwards or reversed; else the last one or
/// two alone) and the address in 8 hex digits by {hex}. IPv6: the last
/// 16-bit group in hex by {h8}. A name with none of them is its own
/// template. E.g. "10-1-2-3.dyn.isp.example" -> "{a}-{b}-{c}-{d}.dyn.isp.example".
std::string name_template(std::string_view name, const ip_address& ip);

}  // namespace ptrscan
