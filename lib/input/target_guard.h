#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "input/target.h"

namespace ptrscan {

/// Most public (not special-purpose, see reserved.h) addresses the targets of
/// one command line may hold without --allow-large-scan: a /8.
inline constexpr uint64_t max_public_without_flag = uint64_t{1} << 24;

/// The public addresses of `block`: its size less the special-purpose ranges
/// that cover whole parts of it, counted at /16 granularity for IPv4 (at most
/// 65,536 steps; a /24 special range inside a public /16 counts as public,
/// which moves the /8 threshold by at most a few /24s).
uint64_t public_addresses(const cidr_block& block);

/// Checks the TARGETs given as arguments before anything is scanned (lines
/// from -i files are still checked one by one, skipped and counted): a typo
/// (`10.0.0.0/33`, `300.1.2.0/24`, an IPv6 block larger than the limit) is an
/// InvalidArgument naming the argument, as is more public space than a /8
/// without `allow_large`. Returns the warnings to print: a CIDR written with
/// host bits set (`10.0.0.5/24` scans 10.0.0.0/24).
absl::StatusOr<std::vector<std::string>> check_command_line_targets(
    std::span<const std::string> targets, bool allow_large);

}  // namespace ptrscan
