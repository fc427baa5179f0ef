#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "dns/dns_status.h"

namespace ptrscan {

/// Forward-confirmed reverse DNS verdict (output contract `fcrdns.status`).
enum class fcrdns_status : uint8_t { pass, fail, none, error };
inline constexpr int fcrdns_status_count = 4;
std::string_view to_string(fcrdns_status s);

/// Most forward addresses kept per PTR name in the record (an A answer can
/// hold thousands); `addrs_total` counts them all.
inline constexpr size_t max_forward_addrs = 32;

/// The A and AAAA lookups of one PTR name.
struct forward_lookup {
  std::string name;
  dns_status a = dns_status::error;
  dns_status aaaa = dns_status::error;
  /// From both lookups, CNAMEs followed; distinct, at most
  /// max_forward_addrs of them, and always the scanned address when either
  /// lookup held it (the verdict needs no more).
  std::vector<ip_address> addrs;
  /// Distinct addresses the lookups returned (>= addrs.size()).
  uint32_t addrs_total = 0;

  /// Adds the addresses of one answer, keeping `ip` whenever it is among
  /// them and at most max_forward_addrs in all.
  void add_addrs(std::span<const ip_address> found, const ip_address& ip);

  /// One status for the name: ok when any address was found; otherwise the
  /// first lookup failure (servfail, refused, timeout, error); otherwise
  /// nxdomain if either lookup said so, else nodata.
  dns_status combined() const;
};

struct fcrdns_verdict {
  fcrdns_status status = fcrdns_status::none;
  /// The first PTR name, in the order given (the ptr probe's canonical
  /// order), whose addresses include the IP.
  size_t matched = SIZE_MAX;
};

/// FCrDNS per RFC 8601 §3 "iprev" logic, which mail receivers apply: pass if
/// any PTR name resolves back to `ip`; otherwise error if the PTR lookup or
/// any forward lookup failed (the answer might have been pass); otherwise
/// fail when names exist, none when there are none.
fcrdns_verdict decide_fcrdns(const ip_address& ip, dns_status ptr_status,
                             std::span<const forward_lookup> forward);

}  // namespace ptrscan
