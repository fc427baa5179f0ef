#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "dns/dns_status.h"

namespace ptrscan {

/// DNS blocklist lookups (RFC 5782): the query for an address and the
/// verdict from the answers. The shard does the I/O.

/// "4.3.2.1.<zone>" for 1.2.3.4 (§2.1); IPv6 as 32 reversed nibbles (§2.4).
std::string dnsbl_query_name(const ip_address& ip, std::string_view zone);

enum class dnsbl_status : uint8_t {
  not_listed,  // NXDOMAIN (or NOERROR without an A record)
  listed,      // A records in 127.0.0.0/8
  error,       // the lookup failed, or the answer is not a listing
};
inline constexpr int dnsbl_status_count = 3;
std::string_view to_string(dnsbl_status s);

struct dnsbl_result {
  dnsbl_status status = dnsbl_status::error;
  /// The A records of a listing: the list's return codes (127.0.0.2 ...).
  std::vector<ip_address> codes;
  /// The TXT record(s) of a listing, joined with "; " (the reason text,
  /// often a removal URL). Empty when the list publishes none.
  std::string reason;
  /// The TXT text was longer than the cap (512 bytes) and `reason` holds its
  /// beginning (output: "reason" in dnsbl[].truncated).
  bool reason_truncated = false;
  /// With status error: what went wrong ("servfail", "timeout", "answer
  /// 192.0.2.1 is outside 127.0.0.0/8", ...).
  std::string error;

  void clear();
};

/// Decides from the A lookup. Codes must lie in 127.0.0.0/8 (§2.3): any
/// other answer means a wildcarded or hijacked zone, not a listing. Codes in
/// 127.255.255.0/24 are the answers large lists give to queries they refuse
/// (public resolvers, over-quota users): an error, not a listing. Returns
/// true when the address is listed and the TXT record is worth asking for.
bool dnsbl_decide(dns_status status, const std::vector<ip_address>& addrs, dnsbl_result& out);

/// Adds the TXT lookup of a listing. A failed TXT lookup leaves the listing
/// as it is, without a reason.
void dnsbl_add_reason(dns_status status, const std::vector<std::string>& texts,
                      dnsbl_result& out);

}  // namespace ptrscan
