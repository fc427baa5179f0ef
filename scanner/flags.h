#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "probes/table.h"
#include "scan/engine.h"

namespace CLI {
class App;
}

namespace ptrscan {

/// Everything the command line says, validated.
struct scanner_flags {
  std::vector<std::string> targets;       // positional TARGETs
  std::vector<std::string> input_files;   // -i (repeatable, "-" = stdin)
  std::string output = "-";               // -o
  scan_config scan;                       // -n is scan.max_targets
  probe_options probe;                    // what the probes are told
  uint32_t max_inflight = 2000;           // total, split across shards
  double dns_rate = 0;                    // --dns-rate, per resolver, all shards
  bool seed_given = false;                // --seed (else a random one, reported)
  bool retries_given = false;             // --retries (else the transport's default)
  std::string blocklist_file;             // -b
  std::string allowlist_file;             // -w
  std::string metadata_file;              // -m
  std::string notes;                      // --notes, into the metadata
  std::string status_updates_file;        // -u
  std::string state_file;                 // --state
  uint32_t state_interval_ms = 5000;      // --state-interval
  int progress = -1;                      // -1 auto (stderr is a tty), 0 off, 1 on
  bool quiet = false;                     // -q: no progress, no summary
  bool help = false;
  bool version = false;
  bool list_fields = false;               // --list-fields
  bool allow_large_scan = false;          // --allow-large-scan: TARGETs above a /8 of public space
  // Slicing as written, checked together by parse_flags: "--shard I/N" or
  // zmap's "--shards N --shard I" (0: not given).
  std::string shard_arg;
  uint32_t shards_arg = 0;
};

/// Parses argv (argv[0] excluded). A non-OK status is a usage error (exit 2)
/// whose message is printed as is.
absl::StatusOr<scanner_flags> parse_flags(const std::vector<std::string>& args);

/// The --help text (help2man reads it for the man page: a usage line,
/// sections, option lines "  -x, --long VALUE").
std::string usage_text();

/// Each adds one general group of options to `app`, storing into `f` (the
/// probes' groups come from the probe table). Values are checked as they are
/// parsed; a bad one is a CLI::ValidationError naming the flag and value.
void add_general_flags(CLI::App& app, scanner_flags& f);
void add_input_flags(CLI::App& app, scanner_flags& f);
void add_output_flags(CLI::App& app, scanner_flags& f);
void add_performance_flags(CLI::App& app, scanner_flags& f);
void add_dns_flags(CLI::App& app, scanner_flags& f);

/// A --resolver value: "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" →
/// c-ares "ip:port" form. A bad one is a usage error (cli::reject).
std::string parse_resolver(std::string_view s);

/// Raises the soft open-files limit to the hard one (sessions each hold a
/// socket) and returns the soft limit now in force. Both commands fit their
/// session counts to it.
uint64_t raise_open_files_limit();

}  // namespace ptrscan
