#include "input/reserved.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace ptrscan {

namespace {

// One special-purpose block. Bytes are in network order; only the first
// `prefix` bits matter.
struct reserved_entry {
  ip_address::family_t family;
  uint8_t prefix;
  std::array<uint8_t, 16> bytes;
  std::string_view name;
};

constexpr auto v4 = ip_address::family_t::v4;
constexpr auto v6 = ip_address::family_t::v6;

// The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and the
// RFCs that updated them), keeping the entries that are not globally
// reachable, plus multicast and the IPv4 class E space. The first match wins,
// so a more specific entry comes before the block that contains it.
//
// Where a not-globally-reachable block has a few globally reachable anycast
// children (192.0.0.9-10, 2001:1::1-3, Teredo, AMT, AS112-v6, ORCHIDv2 in
// 2001::/23), the whole block is kept: they are relay and overlay identifiers,
// never mail hosts, and a scan of them would only bother their operators.
constexpr reserved_entry reserved_table[] = {
    // ---- IPv4 ----
    // RFC 791 section 3.2: "this host on this network"; never a destination.
    {v4, 8, {0, 0, 0, 0}, "this-network"},
    // RFC 1918.
    {v4, 8, {10, 0, 0, 0}, "private-use"},
    // RFC 6598: carrier-grade NAT space.
    {v4, 10, {100, 64, 0, 0}, "shared-address-space"},
    // RFC 1122 section 3.2.1.3.
    {v4, 8, {127, 0, 0, 0}, "loopback"},
    // RFC 3927.
    {v4, 16, {169, 254, 0, 0}, "link-local"},
    // RFC 1918.
    {v4, 12, {172, 16, 0, 0}, "private-use"},
    // RFC 6890 section 2.2.2 (and RFC 7335, RFC 7723, RFC 8155, RFC 8880).
    {v4, 24, {192, 0, 0, 0}, "ietf-protocol-assignments"},
    // RFC 5737: TEST-NET-1.
    {v4, 24, {192, 0, 2, 0}, "documentation"},
    // RFC 7526: deprecated 6to4 relay anycast (RFC 3068).
    {v4, 24, {192, 88, 99, 0}, "6to4-relay-anycast"},
    // RFC 1918.
    {v4, 16, {192, 168, 0, 0}, "private-use"},
    // RFC 2544: network interconnect device benchmark testing.
    {v4, 15, {198, 18, 0, 0}, "benchmarking"},
    // RFC 5737: TEST-NET-2.
    {v4, 24, {198, 51, 100, 0}, "documentation"},
    // RFC 5737: TEST-NET-3.
    {v4, 24, {203, 0, 113, 0}, "documentation"},
    // RFC 5771: multicast (class D).
    {v4, 4, {224, 0, 0, 0}, "multicast"},
    // RFC 919 section 7, RFC 8190: limited broadcast; inside 240/4, so first.
    {v4, 32, {255, 255, 255, 255}, "limited-broadcast"},
    // RFC 1112 section 4: reserved (class E).
    {v4, 4, {240, 0, 0, 0}, "reserved"},

    // ---- IPv6 ----
    // RFC 4291 section 2.5.2.
    {v6, 128, {}, "unspecified"},
    // RFC 4291 section 2.5.3.
    {v6, 128, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "loopback"},
    // RFC 4291 section 2.5.5.2: an IPv4 host seen through a dual-stack socket.
    {v6, 96, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, "ipv4-mapped"},
    // RFC 8215: local-use IPv4/IPv6 translation.
    {v6, 48, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, "local-use-translation"},
    // RFC 6666: discard-only address block.
    {v6, 64, {0x01, 0x00}, "discard-only"},
    // RFC 9780: dummy IPv6 prefix.
    {v6, 64, {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}, "dummy-prefix"},
    // RFC 5180 (errata 1752): benchmarking; inside 2001::/23, so first.
    {v6, 48, {0x20, 0x01, 0x00, 0x02}, "benchmarking"},
    // RFC 2928: IETF protocol assignments.
    {v6, 23, {0x20, 0x01}, "ietf-protocol-assignments"},
    // RFC 3849.
    {v6, 32, {0x20, 0x01, 0x0d, 0xb8}, "documentation"},
    // RFC 9637.
    {v6, 20, {0x3f, 0xff}, "documentation"},
    // RFC 9602: segment routing SIDs.
    {v6, 16, {0x5f, 0x00}, "segment-routing-sids"},
    // RFC 4193 (RFC 8190 made it not globally reachable).
    {v6, 7, {0xfc}, "unique-local"},
    // RFC 4291 section 2.5.6: link-local unicast.
    {v6, 10, {0xfe, 0x80}, "link-local"},
    // RFC 4291 section 2.7.
    {v6, 8, {0xff}, "multicast"},
};

bool matches(const reserved_entry& e, const ip_address& a) {
  if (e.family != a.family) {
    return false;
  }
  size_t full = e.prefix / 8;
  for (size_t k = 0; k < full; ++k) {
    if (a.bytes[k] != e.bytes[k]) {
      return false;
    }
  }
  unsigned rest = e.prefix % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (a.bytes[full] & mask) == e.bytes[full];
}

// A typo in the table would silently narrow or shift a block; every entry
// must have its host bits zero.
constexpr bool host_bits_zero(const reserved_entry& e) {
  for (size_t k = 0; k < 16; ++k) {
    int keep = e.prefix - static_cast<int>(k) * 8;
    if (keep >= 8) {
      continue;
    }
    auto mask = keep <= 0 ? 0u : (0xff00u >> keep) & 0xffu;
    if ((e.bytes[k] & ~mask & 0xffu) != 0) {
      return false;
    }
  }
  return true;
}

constexpr bool table_is_normalised() {
  for (const reserved_entry& e : reserved_table) {
    if (!host_bits_zero(e) || e.prefix > (e.family == v4 ? 32 : 128)) {
      return false;
    }
  }
  return true;
}
static_assert(table_is_normalised());

}  // namespace

std::string_view reserved_block_name(const ip_address& a) {
  for (const reserved_entry& e : reserved_table) {
    if (matches(e, a)) {
      return e.name;
    }
  }
  return {};
}

std::string_view reserved_block_covering(const cidr_block& block) {
  for (const reserved_entry& e : reserved_table) {
    if (e.prefix <= block.prefix && matches(e, block.base)) {
      return e.name;
    }
  }
  return {};
}

}  // namespace ptrscan
