#pragma once

// The lines ptrscan writes on stderr for people: the progress line (once a
// second on a terminal) and the summary at the end. Pure functions of the
// counters and the elapsed time, so tests give them both.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "scan/engine.h"

namespace ptrscan {

/// "M:SS" or "H:MM:SS".
std::string clock_text(double seconds);

/// A rate with as many digits as it deserves: "0", "0.3", "4.25", "12.5",
/// "1234" (never "0" for a rate that is not zero).
std::string rate_text(double per_second);

/// How far the scan is, 0..1: targets finished (records written, skipped,
/// dropped) and domains summarised, over the totals; nullopt until the
/// totals are known (scan_progress::totals_known).
std::optional<double> progress_fraction(const scan_progress& p);

/// The progress line (without "ptrscan: " or newline). `rate` is hosts per
/// second over the last tick, `elapsed_s` the time since the start;
/// `reading_stdin`: stdin is one of the inputs and not yet at its end.
std::string progress_line(const scan_progress& p, const probe_list& probes, double elapsed_s,
                          double rate, bool reading_stdin);

/// The summary line up to the seed (the caller adds CPU and memory).
std::string summary_line(const scan_progress& p, const probe_list& probes, double elapsed_s,
                         const std::map<std::string, uint64_t>& skipped, uint64_t seed,
                         uint64_t max_targets);

/// The counts the probes' summaries and metadata read.
scan_totals totals_of(const scan_progress& p);

}  // namespace ptrscan
