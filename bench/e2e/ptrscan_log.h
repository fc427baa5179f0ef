#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ptrscan::bench {

/// What the harness reads from ptrscan's stderr.
struct ptrscan_log {
  /// From the summary line ("...; 190000 DNS queries; ...").
  std::optional<uint64_t> dns_queries;
  /// "at most 19900 SMTP sessions at once, to fit the open-files limit".
  std::optional<uint64_t> smtp_session_limit;
};

/// Parses the lines above out of ptrscan's stderr; absent what is not found.
ptrscan_log parse_ptrscan_log(std::string_view text);

}  // namespace ptrscan::bench
