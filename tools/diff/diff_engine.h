#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "diff/changes.h"
#include "diff/record_facts.h"

namespace ptrscan::diff {

/// How `ptrscan diff` runs (the parsed command line, or what `ptrscan
/// report --diff` asks for).
struct diff_options {
  std::vector<std::string> old_inputs;  ///< read in order as one scan; "-": stdin
  std::vector<std::string> new_inputs;
  /// Bytes of sorted records held in memory (both sides together, each
  /// sorted in half) before a run is spilled.
  uint64_t max_memory = uint64_t{512} << 20;
  std::string tmp_dir;  ///< "": $TMPDIR, else /tmp
  /// Set (by a signal handler) to stop early; the spilled runs are removed.
  const std::atomic<bool>* stop = nullptr;
};

/// What was read from one side.
struct side_stats {
  /// At most this many malformed lines are named; the rest are counted.
  static constexpr size_t max_named = 100;
  uint64_t lines = 0;
  uint64_t records = 0;     ///< records read, duplicates included
  uint64_t duplicates = 0;  ///< records replaced by a later one with the same key
  uint64_t malformed = 0;
  std::vector<std::string> malformed_where;  ///< "FILE:LINE: why", first max_named
};

/// The outcome of a diff.
struct diff_result {
  enum class failure { none, unreadable, no_records, spill, output, stopped };
  failure failed = failure::none;
  std::string error;  ///< why, when failed != none
  kind_counts counts{};
  uint64_t changed = 0;    ///< keys with a change record
  uint64_t unchanged = 0;  ///< keys in both scans without a change
  side_stats old_side;
  side_stats new_side;
  uint64_t runs = 0;  ///< runs spilled, both sides
};

/// Called for each change record: the NDJSON line (with '\n'), the record
/// it names (the new one, else the old one) and the kinds it holds.
using change_sink =
    std::function<bool(std::string_view line, const record_facts& which, const kind_counts& kinds)>;

/// Reads both sides, sorts each by key in runs of at most max_memory bytes
/// spilled to a private temporary directory, and merge-joins them, calling
/// `sink` per change record in key order. A false return from the sink
/// stops the diff (failure::output). Malformed lines are counted and named
/// in the result (and in the summary), never dropped silently.
diff_result run_diff(const diff_options& options, const change_sink& sink);

/// The `{"type":"diff_summary",...}` line (with '\n').
std::string summary_record(const diff_result& r, const diff_options& options);

}  // namespace ptrscan::diff
