#pragma once

// One word for what a receiver's HELO checks say about a name: the name a
// sender gives in HELO/EHLO, or the host a server names in its greeting or
// EHLO reply (the name it would give as a client, if it also sends).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "checks/helo_rules.h"
#include "net/ip_address.h"

namespace ptrscan {

/// The HELO verdict (record member `verdict` of a HELO-rules object).
enum class helo_verdict : uint8_t {
  match,             ///< equals a PTR name of the address, or resolves to it
  mismatch,          ///< resolves (A/AAAA or MX), but not to the address nor to a PTR name
  unresolved,        ///< no A, AAAA or MX record (Postfix reject_unknown_helo_hostname)
  error,             ///< a lookup failed: the verdict cannot be decided
  invalid,           ///< not a host name (reject_invalid_helo_hostname)
  not_fqdn,          ///< a single label (reject_non_fqdn_helo_hostname)
  literal,           ///< an address literal of the address itself
  literal_mismatch,  ///< an address literal of another address
};
inline constexpr int helo_verdict_count = 8;
std::string_view to_string(helo_verdict v);

/// What DNS said about the name.
struct helo_dns {
  /// Its A and AAAA addresses (CNAMEs followed), as kept.
  std::span<const ip_address> addresses;
  /// The A or the AAAA lookup failed (timeout, servfail, refused, error),
  /// or was not made.
  bool address_lookup_failed = false;
  /// It has MX records (a null MX does not count): nullopt when the MX
  /// lookup failed or was not made.
  std::optional<bool> has_mx;
};

/// How much is known of the address's PTR names.
enum class ptr_evidence : uint8_t {
  known,      ///< the PTR lookup answered (names, NXDOMAIN or NODATA)
  partial,    ///< it answered with more names than were kept (ptr.names_total > 32):
              ///< a name equal to none of the kept ones might equal a dropped one
  failed,     ///< it failed: the name might have equalled a PTR name
  not_asked,  ///< no PTR lookup (--probes without ptr): decided on addresses alone
};

struct helo_assessment {
  /// apply_helo_rules(), with `resolves` true also when the name has MX
  /// records only (Postfix: "no DNS A, AAAA or MX record"), and
  /// `equals_ptr` null unless the PTR names are known.
  helo_rules rules;
  helo_verdict verdict = helo_verdict::error;
  /// `equals_ptr` could not be decided because PTR names were dropped (the
  /// record marks it: truncated "ptr_names").
  bool ptr_names_cut = false;
};

/// The HELO rules and the verdict for `form` as used by `ip`, whose PTR
/// names are `ptr_names` (`ptr` says whether they are known). A failed
/// lookup never yields mismatch or unresolved: only error, or match when
/// what did answer shows a match.
helo_assessment assess_helo(const helo_form& form, const ip_address& ip, const helo_dns& dns,
                            std::span<const std::string> ptr_names, ptr_evidence ptr);

}  // namespace ptrscan
