#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ptrscan::bench {

/// What the harness reads from ptrscan's stderr.
struct ptrscan_log {
  /// From the summary line ("...; 190000 DNS queries; ..."): queries put on
  /// the wire, retries included.
  std::optional<uint64_t> dns_queries;
  /// "(R retransmitted, T timed out" after the query count: tries resent
  /// after a timeout, and queries that ran out of tries.
  std::optional<uint64_t> retransmits;
  std::optional<uint64_t> dns_timeouts;
  /// The summary's per-status counts ("; ptr ok 5 nxdomain 7 timeout 1";
  /// "; fcrdns pass 3 ..."), empty when absent.
  std::map<std::string, uint64_t> ptr;
  std::map<std::string, uint64_t> fcrdns;
  /// "at most 19900 SMTP sessions at once, to fit the open-files limit".
  std::optional<uint64_t> smtp_session_limit;

  /// A status count of `ptr`, 0 when absent.
  uint64_t ptr_count(const std::string& status) const;
};

/// Parses the lines above out of ptrscan's stderr; absent what is not found.
ptrscan_log parse_ptrscan_log(std::string_view text);

}  // namespace ptrscan::bench
