#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "dns/dns_status.h"

namespace ptrscan {

inline constexpr uint16_t dns_type_a = 1;
inline constexpr uint16_t dns_type_cname = 5;
inline constexpr uint16_t dns_type_ptr = 12;
inline constexpr uint16_t dns_type_aaaa = 28;

/// What ptrscan takes from one DNS response: the records of the asked type
/// that belong to the asked name, following CNAMEs inside the answer section
/// (RFC 2317 classless PTR delegation, forward CNAME chains).
struct dns_answer {
  dns_status status = dns_status::error;
  std::vector<std::string> names;   // PTR targets: lower-case, no trailing dot
  std::vector<ip_address> addrs;    // A / AAAA
  /// Set when the chain ends in a CNAME whose target has no records of the
  /// type in this answer: the caller asks again for this name.
  std::string dangling_cname;
  uint8_t cname_hops = 0;

  void clear() {
    status = dns_status::error;
    names.clear();
    addrs.clear();
    dangling_cname.clear();
    cname_hops = 0;
  }
};

/// Longest CNAME chain followed inside one answer and across re-queries.
inline constexpr int max_cname_hops = 8;

/// Parses a response to `qname`/`qtype` (PTR, A or AAAA). Never trusts the
/// bytes: every length is checked and name compression loops are bounded.
/// The rcode decides the status (NXDOMAIN, SERVFAIL, REFUSED); NOERROR with
/// no matching record is nodata unless a dangling CNAME is reported.
void parse_answer(std::span<const uint8_t> packet, std::string_view qname, uint16_t qtype,
                  dns_answer& out);

/// Lower-cases ASCII and strips the root dot (a trailing dot that is not
/// escaped, see strip_root_dot): the form names take in the output and in
/// every comparison.
std::string normalise_name(std::string_view name);

/// Case-insensitive comparison of two DNS names, ignoring the root dot.
bool same_name(std::string_view a, std::string_view b);

}  // namespace ptrscan
