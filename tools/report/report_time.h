#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ptrscan::report {

/// Seconds since the Unix epoch of an RFC 3339 time ("2027-11-23T19:40:00Z",
/// fractions and a "+hh:mm"/"-hh:mm" offset allowed, 't'/'z' or a space as
/// RFC 3339 5.6 permits) or of a bare date ("2027-11-23", midnight UTC).
/// nullopt for anything else, including out-of-range fields.
std::optional<int64_t> parse_rfc3339(std::string_view text);

/// "2027-11-23T19:40:00Z" for `seconds` since the epoch.
std::string format_rfc3339(int64_t seconds);

}  // namespace ptrscan::report
