#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ptrscan::simnet {

/// Parses a dotted quad ("198.18.3.7") into a host-order address. Exactly four
/// decimal octets without leading zeros, so every address has one spelling.
std::optional<uint32_t> parse_ipv4(std::string_view text);

/// A decimal octet (0-255) without sign or leading zeros, as one label of a
/// reverse name spells it.
std::optional<uint32_t> parse_octet(std::string_view text);

/// "198.18.3.7" for a host-order address.
std::string format_ipv4(uint32_t ip);

/// An IPv4 prefix: base address (host order, host bits zero) and length.
struct cidr {
  uint32_t base = 0;
  int prefix = 32;

  /// "198.18.0.0/15"; a bare address is a /32. Host bits must be zero.
  static std::optional<cidr> parse(std::string_view text);

  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  bool contains(uint32_t ip) const { return (ip & mask()) == base; }
  /// The address at `offset` (< size()).
  uint32_t at(uint64_t offset) const { return base + static_cast<uint32_t>(offset); }
  std::string to_string() const;
};

}  // namespace ptrscan::simnet
