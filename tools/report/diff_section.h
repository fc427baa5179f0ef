#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "diff/changes.h"
#include "report/totals.h"

namespace ptrscan::report {

/// What `ptrscan report --diff OLD` shows: the change counts of `ptrscan
/// diff OLD RESULTS` and the first changed hosts.
struct diff_view {
  /// Changed hosts (and domains) listed on the page; the rest are counted.
  static constexpr size_t max_listed = 200;

  struct changed {
    std::string key;    ///< the address or domain, as text
    std::string input;  ///< the domain target, "" when none
    std::vector<std::string> kinds;
  };

  std::string old_input;
  diff::kind_counts counts{};
  uint64_t changed_total = 0;
  uint64_t unchanged = 0;
  uint64_t old_records = 0;
  uint64_t old_duplicates = 0;
  uint64_t old_malformed = 0;
  std::vector<changed> listed;  ///< the first max_listed, in key order
};

/// The "Changes since" section: counts per kind beside the current totals,
/// then the changed hosts (capped, "showing N of M"). All text escaped.
void render_diff(std::string& out, const diff_view& diff, const report_totals& now);

/// A raw JSON string token ("\"mx1.example\"") as its text; the token
/// itself (quotes stripped) if it does not decode.
std::string token_text(const std::string& raw);

}  // namespace ptrscan::report
