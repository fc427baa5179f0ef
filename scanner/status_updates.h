#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "scan/engine.h"

namespace ptrscan {

/// -u FILE: zmap's --status-updates-file for ptrscan. A CSV header, then a
/// line a second while the scan runs and a last one when it ends:
/// cumulative totals, the rate over the last interval ("-last-one-sec")
/// and since the start ("-avg-per-sec"), as zmap's columns are.
class status_updates {
 public:
  static absl::StatusOr<std::unique_ptr<status_updates>> open(const std::string& path);
  ~status_updates();

  /// The header line (with its newline).
  static std::string header();
  /// One line for `now`; `previous`/`previous_elapsed_s` is the last line's
  /// sample (zeros for the first).
  static std::string line(std::chrono::system_clock::time_point wall, double elapsed_s,
                          const scan_progress& now, double previous_elapsed_s,
                          const scan_progress& previous);

  /// Appends a line for `p` and flushes it, so `tail -f` follows the scan.
  void write(std::chrono::system_clock::time_point wall, double elapsed_s, const scan_progress& p);

 private:
  explicit status_updates(std::FILE* f) : file_(f) {}
  std::FILE* file_;
  scan_progress last_;
  double last_elapsed_s_ = 0;
};

}  // namespace ptrscan
