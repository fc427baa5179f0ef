#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"

namespace ptrscan {

/// The form of a HELO/EHLO argument (RFC 5321 §4.1.1.1: a domain or an
/// address literal).
enum class helo_syntax : uint8_t {
  fqdn,             ///< a syntactically valid name with at least two labels
  not_fqdn,         ///< a valid single label ("localhost", "mailserver")
  address_literal,  ///< "[192.0.2.1]" or "[IPv6:2001:db8::1]"
  invalid,          ///< anything else (underscores, bare IPs, spaces ...)
};
std::string_view to_string(helo_syntax s);

struct helo_form {
  helo_syntax syntax = helo_syntax::invalid;
  /// The name lower-cased without a trailing dot (fqdn, not_fqdn).
  std::string name;
  /// The address of an address literal.
  std::optional<ip_address> literal;
};

/// Reads a HELO argument. A bare address without brackets is invalid
/// (receivers such as Postfix's reject_invalid_helo_hostname refuse it);
/// a name needs LDH labels of 1-63 octets, at most 253 in all, and a
/// top label that is not all digits.
helo_form read_helo(std::string_view arg);

/// The HELO rules receivers apply, given the name's A/AAAA addresses.
struct helo_rules {
  /// The name has an address (nullopt: not a name, or the lookup failed).
  std::optional<bool> resolves;
  /// One of those addresses is the client's (an address literal: it is).
  std::optional<bool> resolves_to_client;
  /// The name equals one of the client's PTR names (nullopt: no PTR name
  /// or not a name).
  std::optional<bool> equals_ptr;
};

/// `lookup_failed`: the A or AAAA lookup failed (timeout, servfail ...), so
/// "resolves" cannot be decided unless an address was found.
helo_rules apply_helo_rules(const helo_form& form, const ip_address& client,
                            std::span<const ip_address> addresses, bool lookup_failed,
                            std::span<const std::string> ptr_names);

}  // namespace ptrscan
