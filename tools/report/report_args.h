#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ptrscan::report {

/// The command line of `ptrscan report`, validated.
struct report_args {
  std::string output = "-";         ///< "-": stdout
  std::vector<std::string> inputs;  ///< at least one; "-": stdin
  bool help = false;                ///< -h/--help: print usage, nothing else
  /// --as-of TIME (RFC 3339 or YYYY-MM-DD), seconds since the epoch: the
  /// reference time for certificate expiry instead of the records' latest
  /// `ts` or the clock.
  std::optional<int64_t> as_of;
  /// --diff OLD: an earlier results file; the page shows what changed since.
  std::string diff_old;
};

/// Why a command line was refused (exit status 2).
struct usage_error {
  std::string message;
};

/// Parses the words after `report`: `-o FILE` (also `-oFILE`, `--output FILE`,
/// `--output=FILE`), `-h`/`--help`, `--` to end options, and input files.
/// "-" is stdin and may be given once.
std::variant<report_args, usage_error> parse_report_args(const std::vector<std::string>& args);

/// The usage text, ending in a newline.
const char* report_usage();

}  // namespace ptrscan::report
