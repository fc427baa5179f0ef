#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "net/ip_address.h"

namespace ptrscan {

/// A CIDR block, normalised: host bits of `base` are zero.
struct cidr_block {
  ip_address base;
  uint8_t prefix = 32;

  /// Number of addresses (IPv4 at most 2^32, IPv6 capped by max_v6_host_bits).
  uint64_t size() const;
  /// The i-th address of the block, i < size(). O(1): blocks are never materialised.
  ip_address at(uint64_t i) const;
  bool contains(const ip_address& a) const;

  /// IPv6 blocks may have at most this many host bits (a /96): a larger block
  /// could never be scanned to the end.
  static constexpr int max_v6_host_bits = 32;
};

/// Most octets of a sender line's HELO kept (a longer one is no host name
/// either way: its verdict is `invalid`, and the record marks the cut).
inline constexpr size_t max_sender_helo = 255;

/// One parsed input line or positional argument.
struct target_spec {
  /// sender: an outbound identity, `IP,DOMAIN[,HELO]` (zgrab2's CSV form):
  /// may IP send mail for DOMAIN, introducing itself as HELO?
  enum class kind_t : uint8_t { address, block, domain, sender };
  kind_t kind = kind_t::address;
  ip_address address;   // kind == address or sender
  cidr_block block;     // kind == block
  std::string domain;   // kind == domain or sender: lower-cased, no trailing dot
  /// kind == sender: the HELO field as written (not checked here: a bad
  /// one is a HELO verdict, not a rejected line), at most max_sender_helo
  /// octets; `has_helo` false when the line has none (or it is empty).
  std::string helo;
  bool has_helo = false;
  bool helo_cut = false;  // the field was longer than max_sender_helo
};

/// Why a line was rejected; `message` is human text for stderr.
struct target_error {
  std::string message;
};

/// Result of parsing one line: a target, nothing (blank or comment), or an error.
using parsed_line = std::variant<std::monostate, target_spec, target_error>;

/// Parses one target line. Leading/trailing whitespace is ignored; blank lines
/// and lines whose first non-blank character is '#' yield monostate; text after
/// an unquoted " #" is a trailing comment. Accepts IPv4, IPv6, CIDR (host bits
/// set are masked off, as zmap does) and DNS domain names (LDH labels, <= 253
/// octets; an IP-like string that fails to parse is an error, not a domain),
/// and sender lines `IP,DOMAIN[,HELO]` (fields trimmed of blanks; IP one
/// address, DOMAIN a domain name as above, HELO anything without a comma).
parsed_line parse_target_line(std::string_view line);

}  // namespace ptrscan
