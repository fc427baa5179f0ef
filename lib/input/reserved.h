#pragma once

#include <string_view>

#include "net/ip_address.h"
#include "input/target.h"

namespace ptrscan {

/// Returns the name of the IANA special-purpose block (RFC 6890 and its
/// successors: loopback, private-use, documentation, benchmarking, ...) that
/// contains `a`, or an empty view when the address is globally routable and
/// may be scanned. The table is compiled in; lookups do not allocate.
std::string_view reserved_block_name(const ip_address& a);

/// When one special-purpose block contains all of `block`, its name; else
/// empty. Lets the feeder skip a reserved CIDR target (a 10.0.0.0/8) in one
/// step instead of address by address.
std::string_view reserved_block_covering(const cidr_block& block);

}  // namespace ptrscan
