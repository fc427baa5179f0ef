#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "probes/table.h"
#include "scan/engine.h"

namespace ptrscan {

/// Everything the command line says, validated.
struct scanner_flags {
  std::vector<std::string> targets;       // positional TARGETs
  std::vector<std::string> input_files;   // -i (repeatable, "-" = stdin)
  std::string output = "-";               // -o
  scan_config scan;
  probe_options probe;                    // what the probes are told
  uint32_t max_inflight = 2000;           // total, split across shards
  uint32_t max_sessions = 0;
  double dns_rate = 0;                    // --dns-rate, per resolver, all shards              // SMTP sessions, total; 0: max_inflight x ports
  bool seed_given = false;                // --seed (else a random one, reported)
  bool retries_given = false;             // --retries (else the transport's default)
  std::string blocklist_file;             // --blocklist
  std::string allowlist_file;             // --allowlist
  std::string metadata_file;              // --metadata
  std::string state_file;                 // --state
  uint32_t state_interval_ms = 5000;      // --state-interval
  int progress = -1;                      // -1 auto (stderr is a tty), 0 off, 1 on
  bool help = false;
  bool version = false;
};

/// Parses argv (argv[0] excluded). A non-OK status is a usage error (exit 2)
/// whose message is printed as is.
absl::StatusOr<scanner_flags> parse_flags(const std::vector<std::string>& args);

/// The --help text.
std::string usage_text();

}  // namespace ptrscan
