#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ptrscan {

/// An IPv4 or IPv6 address, stored in network byte order. Trivially copyable
/// and 17 bytes of payload, so it travels through queues by value.
struct ip_address {
  enum class family_t : uint8_t { v4 = 4, v6 = 6 };

  /// Longest text form: a full IPv6 address with an embedded IPv4 tail.
  static constexpr size_t max_text_len = 46;
  /// Longest reverse name: 32 nibbles + dots + "ip6.arpa".
  static constexpr size_t max_reverse_len = 73;

  family_t family = family_t::v4;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses bytes[0..3]; the rest stay zero.

  static ip_address v4(uint32_t host_order);
  static ip_address v6(const std::array<uint8_t, 16>& network_order);
  /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no zone id, no brackets).
  static std::optional<ip_address> parse(std::string_view text);

  bool is_v4() const { return family == family_t::v4; }
  size_t byte_len() const { return is_v4() ? 4 : 16; }
  /// The IPv4 address as a host-order integer (only meaningful for v4).
  uint32_t v4_value() const;

  /// Writes the canonical text (RFC 5952 for IPv6) into `out`, which must hold
  /// max_text_len bytes; returns the length. No allocation.
  size_t format(char* out) const;
  std::string to_string() const;

  /// Writes the reverse-DNS name ("7.0.18.198.in-addr.arpa", IPv6 nibbles under
  /// ip6.arpa), without a trailing dot, into `out` (max_reverse_len bytes).
  size_t reverse_name(char* out) const;
  std::string reverse_name() const;

  friend bool operator==(const ip_address&, const ip_address&) = default;
  friend auto operator<=>(const ip_address&, const ip_address&) = default;
};

}  // namespace ptrscan
