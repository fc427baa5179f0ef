#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "e2e/measured_run.h"
#include "e2e/ptrscan_log.h"
#include "e2e/simnet.h"

namespace ptrscan::bench {

/// Everything one (scenario, shards, repeat) run produced.
struct run_report {
  std::string scenario;
  uint32_t shards = 0;
  int repeat = 0;
  uint64_t hosts = 0;
  /// The --max-inflight ptrscan ran with, or 0 for its default.
  uint64_t max_inflight = 0;
  /// Set when the run did not get as far as a measurement.
  std::string error;
  std::optional<measured_run> run;
  ptrscan_log log;
  std::optional<check_result> check;

  /// ptrscan finished in time with exit 0 and every record checked out.
  bool passed() const;
};

/// The run as one JSON object on one line (with '\n'): hosts, wall_s,
/// hosts_per_s, cpu_s (user+sys), cpu_ms_per_1k_hosts, peak_rss_mib,
/// queries, the SMTP session cap ptrscan chose, the check's counts, ok;
/// null where a value is unknown.
std::string to_json_line(const run_report& r);

/// What a reference client achieved against the same servers.
struct reference_report {
  std::string scenario;
  std::string tool;  // "dnsperf", or "none" when the scenario has no reference
  uint32_t threads = 0;
  uint32_t clients = 0;
  uint32_t outstanding = 0;
  std::string error;
  std::optional<measured_run> run;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t lost = 0;
  double qps = 0;  // as the tool reports it
};

std::string to_json_line(const reference_report& r);

}  // namespace ptrscan::bench
