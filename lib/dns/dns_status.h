#pragma once

#include <cstdint>
#include <string_view>

namespace ptrscan {

/// Outcome of one DNS lookup: the closed set of the output contract's
/// `ptr.status` (and of each forward lookup).
enum class dns_status : uint8_t { ok, nxdomain, nodata, servfail, refused, timeout, error };
inline constexpr int dns_status_count = 7;

std::string_view to_string(dns_status s);

/// Why a lookup ended in dns_status::error (dns_reply::reason, and the
/// transport's report in resolver_client::on_dns_result). Static strings, so
/// a reason is a string_view that never dangles.
namespace dns_reason {
/// The response breaks the wire format (a length or name runs off the
/// packet, a compression loop, an obsolete label type, a record of the wrong
/// size), or is too short to be one.
inline constexpr std::string_view malformed = "malformed";
/// A UDP response longer than we asked for (the EDNS size we advertised, or
/// 512 octets without EDNS) or than the receive buffer, without TC.
inline constexpr std::string_view oversized = "oversized";
/// No response could be read: the connection was refused, reset or closed
/// early (a socket that cannot be opened is `local`).
inline constexpr std::string_view transport = "transport";
/// The question never left this host: no socket for the address family,
/// or the send or connect failed locally (no route: ENETUNREACH,
/// EADDRNOTAVAIL, ...). Says nothing about the server.
inline constexpr std::string_view local = "local";
/// A TCP response that carries another ID or question than ours.
inline constexpr std::string_view mismatch = "mismatch";
/// An rcode outside the contract's set (FORMERR, NOTIMP, ...).
inline constexpr std::string_view rcode = "rcode";
/// The name cannot be asked (it does not encode as a DNS name).
inline constexpr std::string_view bad_name = "bad_name";
/// parse_reply was asked for a type it does not read.
inline constexpr std::string_view unsupported_type = "unsupported_type";
}  // namespace dns_reason

/// True for statuses that leave a question unanswered (as opposed to a
/// definite "no such name" / "no such record").
inline bool is_lookup_failure(dns_status s) {
  return s == dns_status::servfail || s == dns_status::refused || s == dns_status::timeout ||
         s == dns_status::error;
}

}  // namespace ptrscan
