#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "diff/record_facts.h"

namespace ptrscan::diff {

/// Every kind of change `ptrscan diff` reports, in the order the summary
/// lists them. README "Diff" says when each one is reported.
enum class change_kind : uint8_t {
  ptr_added,
  ptr_removed,
  ptr_changed,
  fcrdns_failed,
  fcrdns_fixed,
  naming_changed,
  banner_mismatch_appeared,
  banner_mismatch_fixed,
  cert_changed,
  cert_expiring,
  dnsbl_listed,
  dnsbl_cleared,
  relay_changed,
  smtp_port_opened,
  smtp_port_closed,
  only_in_old,
  only_in_new,
  finding_new,
  finding_fixed,
};
inline constexpr size_t change_kind_count = 19;

/// The kind's name in change records and the summary ("ptr_added" ...).
std::string_view kind_name(change_kind k);

/// Counts per kind.
using kind_counts = std::array<uint64_t, change_kind_count>;

/// A certificate counts as expiring when its not_after is less than this
/// many seconds after the record's ts (already expired included).
inline constexpr int64_t expiring_window_seconds = 30 * 24 * 3600;

/// Compares the same key's record in the old and the new scan (either may be
/// missing: only in the other scan) and, when anything changed, appends one
/// `{"type":"change",...}` line (with '\n') to `out` and adds its changes to
/// `counts`. Returns whether a change record was written. Pure: no I/O.
bool compare(const record_facts* old_record, const record_facts* new_record, std::string& out,
             kind_counts& counts);

/// Seconds since the epoch of an RFC 3339 token as records write it
/// (quotes included); nullopt when it is not one.
std::optional<int64_t> token_time(std::string_view raw);

}  // namespace ptrscan::diff
