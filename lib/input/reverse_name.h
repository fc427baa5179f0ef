#pragma once

#include <optional>
#include <string_view>

#include "input/target.h"

namespace ptrscan {

/// A target named by its reverse-DNS name is the address (or block) it names,
/// never a domain to MX-expand. Returns nullopt when `token` is not under
/// in-addr.arpa or ip6.arpa (any case, one trailing dot allowed); otherwise:
/// - `d.c.b.a.in-addr.arpa` (4 octets) and an ip6.arpa name of 32 nibbles:
///   an address;
/// - 1 to 3 octets (`2.0.192.in-addr.arpa`) or 1 to 31 nibbles: the CIDR block
///   that reverse zone covers (/8, /16, /24; /4 per nibble, and for IPv6 the
///   same /96 floor as a written block);
/// - anything else under those trees (the bare tree, a label that is not a
///   decimal octet or hex nibble, RFC 2317 names such as
///   `0-25.2.0.192.in-addr.arpa`, too many labels): an error saying why.
std::optional<parsed_line> parse_reverse_name(std::string_view token);

}  // namespace ptrscan
