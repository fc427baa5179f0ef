#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scan/engine.h"

namespace ptrscan {

/// What --metadata FILE records about a run (zmap's -m, zgrab2's metadata):
/// enough to reproduce it and to compare it with another run.
struct run_metadata {
  std::vector<std::string> arguments;  // argv without argv[0]
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  double elapsed_s = 0;
  uint64_t seed = 0;
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  uint64_t max_targets = 0;  // -n (0: none); progress.capped says it was reached
  std::vector<std::string> resolvers;
  /// What the pacer learnt of each resolver (ring transport).
  std::vector<dns_server_stats> resolver_stats;
  scan_progress progress;
  std::map<std::string, uint64_t> skipped;  // by reason
  /// The probes that ran: each writes its own members.
  probe_list probes;
  int exit_code = 0;
};

/// The metadata as one JSON object (with a trailing newline).
std::string metadata_json(const run_metadata& m);

/// Writes it to `path` (via a temporary file and rename, so a reader never
/// sees half of it).
absl::Status write_metadata(const std::string& path, const run_metadata& m);

}  // namespace ptrscan
