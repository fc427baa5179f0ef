#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "testnet/zone_plan.h"

namespace ptrscan::testnet {

/// The outcome of comparing ptrscan's NDJSON output with a zone_plan.
struct plan_check_report {
  size_t lines = 0;         // non-empty lines read
  size_t unparsable = 0;    // not a JSON object, or no "ip"
  size_t unexpected = 0;    // an ip outside the plan
  size_t duplicates = 0;    // a second record for an ip
  size_t missing = 0;       // planned ips with no record
  size_t matched = 0;       // records equal to the plan
  size_t mismatched = 0;    // records that differ
  /// Forward lookups of dead names reported as timeout instead of servfail
  /// (accepted: it depends on who gives up first, unbound or ptrscan).
  size_t dead_as_timeout = 0;
  std::array<size_t, plan_case_count> mismatched_by_case{};
  std::map<std::string, size_t> ptr_status_counts;
  std::map<std::string, size_t> fcrdns_status_counts;
  /// The first few problems, each one line with the record and the expectation.
  std::vector<std::string> examples;

  /// Every planned ip appeared exactly once and matched (with
  /// require_all == false: every record present matched, none repeated).
  bool ok() const;
  bool require_all = true;
  /// A multi-line summary: counts, tallies, mismatches by case, examples.
  std::string summary() const;
};

/// Compares NDJSON text (one record per line, any order) with `plan`: every
/// address must appear exactly once, and its ptr.status, ptr.names (as a
/// set), fcrdns.status, fcrdns.name (for pass) and each fcrdns.forward entry
/// present must equal the plan. With `require_all` false, addresses without a
/// record are counted in `missing` but do not make the report fail (for
/// interrupted scans).
plan_check_report check_against_plan(const zone_plan& plan, std::string_view ndjson,
                                     size_t max_examples = 10, bool require_all = true);

}  // namespace ptrscan::testnet
