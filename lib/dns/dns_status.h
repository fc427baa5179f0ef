#pragma once

#include <cstdint>
#include <string_view>

namespace ptrscan {

/// Outcome of one DNS lookup: the closed set of the output contract's
/// `ptr.status` (and of each forward lookup).
enum class dns_status : uint8_t { ok, nxdomain, nodata, servfail, refused, timeout, error };
inline constexpr int dns_status_count = 7;

std::string_view to_string(dns_status s);

/// Maps a c-ares status (ARES_*) to the contract's closed set: the one place
/// where library errors become statuses (zgrab2's TryGetScanStatus).
dns_status dns_status_from_ares(int ares_status);

/// True for statuses that leave a question unanswered (as opposed to a
/// definite "no such name" / "no such record").
inline bool is_lookup_failure(dns_status s) {
  return s == dns_status::servfail || s == dns_status::refused || s == dns_status::timeout ||
         s == dns_status::error;
}

}  // namespace ptrscan
