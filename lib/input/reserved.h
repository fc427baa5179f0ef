#pragma once

#include <string_view>

#include "core/ip_address.h"

namespace ptrscan {

/// Returns the name of the IANA special-purpose block (RFC 6890 and its
/// successors: loopback, private-use, documentation, benchmarking, ...) that
/// contains `a`, or an empty view when the address is globally routable and
/// may be scanned. The table is compiled in; lookups do not allocate.
std::string_view reserved_block_name(const ip_address& a);

}  // namespace ptrscan
