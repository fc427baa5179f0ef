#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "simnet/expectation.h"
#include "simnet/model.h"

namespace ptrscan::simnet {

/// The verdict of `check` over one ptrscan output.
struct check_summary {
  uint64_t records = 0;     // non-empty lines read but zone records
  uint64_t checked = 0;     // records compared with the model
  uint64_t mismatched = 0;  // records that differ, and lines that are not records
  uint64_t missing = 0;     // target addresses without a record
  uint64_t duplicates = 0;  // records of an address seen before
  uint64_t outside = 0;     // records of addresses outside the targets
  // With timeouts_ok: checked records whose PTR lookup timed out after
  // every try, counted here and not compared (they state no verdict).
  uint64_t timed_out = 0;
  // With the zone probe: one zone record per /24 of the targets
  // (zone_check.h). Their mismatches count in `mismatched` too.
  uint64_t zones = 0;             // zone records read
  uint64_t zones_checked = 0;     // of them, of a /24 of the targets, compared with the model
  uint64_t zones_missing = 0;     // /24s of the targets without a zone record
  uint64_t zone_duplicates = 0;   // zone records of a /24 seen before
  uint64_t zone_mismatched = 0;   // zone records that differ, or of no /24 of the targets
  uint64_t zone_queries = 0;      // the sum of the checked records' "queries"
  /// The first mismatches, each with its reason, for stderr.
  std::vector<std::string> examples;

  bool ok() const {
    return mismatched == 0 && missing == 0 && duplicates == 0 && outside == 0 &&
           zones_missing == 0 && zone_duplicates == 0;
  }
  /// {"records":R,"checked":C,"mismatched":M,"missing":K,"duplicates":D,"outside":O},
  /// with timeouts_ok also "timed_out", with the zone probe also "zones", "zones_checked", "zones_missing",
  /// "zone_duplicates", "zone_mismatched", "zone_queries".
  std::string to_json() const;
  bool timeouts_ok = false;  // to_json() writes "timed_out"
};

/// Compares ptrscan records, line by line, with the model.
class checker {
 public:
  static constexpr size_t max_examples = 10;

  /// `targets` must lie inside the model's range. `timeouts_ok`: a record
  /// whose PTR status is "timeout" is counted in `timed_out` and not
  /// compared (for a resolver that drops queries on purpose, a rate
  /// limiter, where the benchmark judges the share of timeouts itself; a
  /// timeout is no verdict, so it cannot be a false one).
  checker(const model& m, const probe_set& probes, const cidr& targets, bool timeouts_ok = false);

  /// One NDJSON line (empty lines are skipped).
  void add_line(std::string_view line);
  /// Counts the targets nothing was said about and returns the totals.
  check_summary finish();

 private:
  void mismatch(std::string reason);
  void add_zone(const nlohmann::json& record);

  const model& model_;
  probe_set probes_;
  cidr targets_;
  std::vector<bool> seen_;  // per target offset
  uint32_t first_net24_ = 0;
  std::vector<bool> seen_zones_;  // per /24 of the targets, from first_net24_
  uint64_t line_number_ = 0;
  check_summary summary_;
};

}  // namespace ptrscan::simnet
