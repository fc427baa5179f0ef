#pragma once

#include <cstddef>
#include <string_view>

#include "net/ip_address.h"

namespace ptrscan::rdns {

/// Where and how an address is written inside a host name.
struct ip_match {
  /// How the address appears (output contract `rdns.ip_encoded`), a string
  /// with static lifetime: "dashed", "reversed-dotted", "zero-padded-dashed",
  /// "split", "permuted-dashed", "concatenated", "hex", "reversed-hex",
  /// "integer", "base32", "base32hex", "partial", "prefix", "ipv6-nibbles",
  /// "ipv6-reversed-nibbles", "ipv6-groups". Empty when the name does not
  /// carry the address.
  std::string_view encoding;
  /// The characters of the name that spell the address, [begin, end): the
  /// classifier reads no keywords there.
  size_t begin = 0;
  size_t end = 0;

  bool found() const { return !encoding.empty(); }
};

/// Looks for `ip` in `text`, a lower-case host name whose public suffix has
/// been removed. Whole-address encodings are tried before the partial ones,
/// and a partial match is only taken from a run of numbers too short to be a
/// whole address of its own: "1-2-3-4.isp" never partially matches 9.9.3.4.
/// A single octet ("mx2", "f169") is never evidence.
ip_match find_ip(std::string_view text, const ip_address& ip);

}  // namespace ptrscan::rdns
