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
  uint64_t records = 0;     // non-empty lines read
  uint64_t checked = 0;     // records compared with the model
  uint64_t mismatched = 0;  // records that differ, and lines that are not records
  uint64_t missing = 0;     // target addresses without a record
  uint64_t duplicates = 0;  // records of an address seen before
  uint64_t outside = 0;     // records of addresses outside the targets
  /// The first mismatches, each with its reason, for stderr.
  std::vector<std::string> examples;

  bool ok() const { return mismatched == 0 && missing == 0 && duplicates == 0 && outside == 0; }
  /// {"records":R,"checked":C,"mismatched":M,"missing":K,"duplicates":D,"outside":O}
  std::string to_json() const;
};

/// Compares ptrscan records, line by line, with the model.
class checker {
 public:
  static constexpr size_t max_examples = 10;

  /// `targets` must lie inside the model's range.
  checker(const model& m, const probe_set& probes, const cidr& targets);

  /// One NDJSON line (empty lines are skipped).
  void add_line(std::string_view line);
  /// Counts the targets nothing was said about and returns the totals.
  check_summary finish();

 private:
  void mismatch(std::string reason);

  const model& model_;
  probe_set probes_;
  cidr targets_;
  std::vector<bool> seen_;  // per target offset
  uint64_t line_number_ = 0;
  check_summary summary_;
};

}  // namespace ptrscan::simnet
