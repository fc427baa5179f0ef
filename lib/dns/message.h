#pragma once

// A whole DNS message, every section: what the zone audit reads (the SOA in
// an authority section, a referral's NS set and glue, the AA bit), where
// dns_reply (reply.h) keeps only the answer records of the asked type.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "net/ip_address.h"

namespace ptrscan {

inline constexpr uint16_t dns_type_ns = 2;
inline constexpr uint16_t dns_type_soa = 6;

enum class dns_section : uint8_t { answer, authority, additional };

/// One class-IN record of the types the audit reads (A, AAAA, NS, CNAME,
/// PTR, SOA); records of other types are skipped.
struct dns_rr {
  dns_section section = dns_section::answer;
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string owner;   // lower-case, no trailing dot
  std::string target;  // NS, CNAME, PTR: the name; SOA: MNAME
  uint32_t serial = 0;  // SOA
  ip_address addr;      // A, AAAA
};

/// Records kept from one message at most; a longer message is cut there
/// and says so (`truncated`).
inline constexpr size_t max_message_records = 64;

struct dns_message {
  uint16_t id = 0;
  uint8_t rcode = 0;
  bool qr = false;
  bool aa = false;
  bool tc = false;
  bool truncated = false;  // more than max_message_records records
  std::vector<dns_rr> records;
};

/// Parses `packet` (untrusted). False when it breaks the format anywhere:
/// a header, question or record running off the packet, a name read_name
/// rejects, an rdata of the wrong length for its type (A, AAAA), or a name
/// in rdata that does not end where the rdata ends. The caller treats that
/// as an error, never as an answer.
bool parse_message(std::span<const uint8_t> packet, dns_message& out);

/// Writes a query like build_query (wire.h) but with RD clear: the
/// non-recursive question put to an authoritative server.
size_t build_iterative_query(uint16_t id, std::span<const uint8_t> qname_wire, uint16_t qtype,
                             uint16_t edns_udp_size, std::span<uint8_t> out);

}  // namespace ptrscan
