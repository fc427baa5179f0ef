#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "scan/engine.h"
#include "smtp/session.h"

namespace ptrscan {

/// What --metadata FILE records about a run (zmap's -m, zgrab2's metadata):
/// enough to reproduce it and to compare it with another run.
struct run_metadata {
  std::vector<std::string> arguments;  // argv without argv[0]
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  double elapsed_s = 0;
  uint64_t seed = 0;
  std::string notes;                      // --notes
  std::string hostname;                   // this machine's name
  std::vector<std::string> source_addresses;  // source_addresses(resolvers)
  int dns_timeout_ms = 0;                 // first try's timeout
  int dns_tries = 0;                      // 1 + retries
  /// The SMTP session settings, when the smtp probe ran (else null).
  const smtp_options* smtp = nullptr;
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

/// "ptrscan 0.1.0 (commit ...)" and the libraries' versions, as --version
/// prints them: read from the libraries at run time where they say (c-ares,
/// zstd, the TLS library), else the version the build was configured with.
std::string version_text();

/// The local addresses this machine sends from to reach each resolver
/// ("ip:port" or "[ip]:port"), as the kernel's routes pick them (a UDP
/// connect, no packet sent); duplicates once. What the SMTP sessions use is
/// the same for any target on the same route.
std::vector<std::string> source_addresses(const std::vector<std::string>& resolvers);

/// gethostname, or "" when it fails.
std::string host_name();

/// The metadata as one JSON object (with a trailing newline).
std::string metadata_json(const run_metadata& m);

/// Writes it to `path` (via a temporary file and rename, so a reader never
/// sees half of it).
absl::Status write_metadata(const std::string& path, const run_metadata& m);

}  // namespace ptrscan
