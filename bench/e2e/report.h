#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "e2e/measured_run.h"
#include "e2e/ptrscan_log.h"
#include "e2e/simnet.h"
#include "e2e/unbound.h"

namespace ptrscan::bench {

/// The scenario's second ptrscan run in the same namespace (a zone audit's
/// plain PTR sweep of the same block).
struct baseline_run {
  std::string probes;
  measured_run run;
  ptrscan_log log;
  std::optional<check_result> check;

  bool passed() const { return run.ok() && check && check->ok; }
};

/// Everything one (scenario, shards, repeat) run produced.
struct run_report {
  std::string scenario;
  std::string probes;
  uint32_t shards = 0;
  int repeat = 0;
  uint64_t hosts = 0;
  /// The --max-inflight ptrscan ran with, or 0 for its default.
  uint64_t max_inflight = 0;
  /// The resolver's ip-ratelimit (queries/s), 0 when it has none.
  uint32_t ip_ratelimit = 0;
  /// Set when the run did not get as far as a measurement.
  std::string error;
  std::optional<measured_run> run;
  ptrscan_log log;
  std::optional<check_result> check;
  /// Unbound's counts over the run, when the scenario has Unbound.
  std::optional<unbound_stats> unbound;
  std::optional<baseline_run> baseline;

  /// ptrscan finished in time with exit 0 and every record checked out (the
  /// baseline run's too, when the scenario has one).
  bool passed() const;
  /// Retransmitted DNS queries: ptrscan's own count when it prints one;
  /// for a PTR-only scan (one lookup per host, so every query past the
  /// hosts is a retry) queries - hosts; else unknown.
  std::optional<uint64_t> retransmits() const;
  /// PTR lookups answered (any status but timeout) per second of the run;
  /// nullopt without a ptr probe or a measurement.
  std::optional<double> answered_lookups_per_s() const;
};

/// The run as one JSON object on one line (with '\n'): hosts, wall_s,
/// hosts_per_s, cpu_s (user+sys), cpu_ms_per_1k_hosts, peak_rss_mib,
/// queries, queries_per_s, retransmits, ptr status counts, ptr_timeouts and
/// timeout_share, the resolver's ip_ratelimit with answered_qps,
/// limit_share and meets_targets, Unbound's counts (unbound_queries,
/// unbound_ratelimited, unbound_exceeded, unbound_jostled), the SMTP session
/// cap ptrscan chose, the check's counts, with the zone probe the zone
/// records' (zones, zones_checked, zones_missing, zone_duplicates,
/// zone_mismatched, queries_per_zone), the baseline run's {probes, wall_s,
/// hosts_per_s, cpu_s, peak_rss_mib, queries, the check's counts, ok} and
/// wall_over_baseline, ok; null where a value is unknown.
std::string to_json_line(const run_report& r);

/// One dnsperf run of a sweep.
struct dnsperf_point {
  uint32_t outstanding = 0;  // -q
  std::optional<measured_run> run;
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t lost = 0;
  double qps = 0;  // as dnsperf reports it: completed over its run time
  std::string error;

  /// CPU milliseconds per 1,000 completed queries; 0 when none completed.
  double cpu_ms_per_1k() const;
};

/// What a reference client achieved against the same servers.
struct reference_report {
  std::string scenario;
  /// "dnsperf", "ptrscan-epoll-ref", or "none" (see `reason`).
  std::string tool;
  std::string reason;  // why "none"
  std::string error;   // the reference failed

  // dnsperf: one run per -q of the sweep, at `threads` threads.
  uint32_t threads = 0;
  uint32_t clients = 0;
  std::vector<dnsperf_point> sweep;
  /// The sweep's point with the highest qps, or nullptr.
  const dnsperf_point* best() const;

  // ptrscan-epoll-ref: one run, and the JSON line it printed.
  uint64_t max_inflight = 0;
  uint64_t hosts = 0;
  std::optional<measured_run> run;
  uint64_t done = 0;
  uint64_t ptr_ok = 0;
  uint64_t fcrdns_pass = 0;
  uint64_t smtp_ok = 0;
  uint64_t tls_ok = 0;
  uint64_t dns_queries = 0;
  double self_wall_s = 0;  // its own "wall_s"

  /// It ran, exited 0 and (epoll-ref) finished every host.
  bool ok() const;
};

std::string to_json_line(const reference_report& r);

/// ptrscan against the reference of the same invocation, one row per
/// ptrscan shard count (the best hosts/s of its finished repeats) and
/// reference (dnsperf: the same thread count; epoll-ref: its one run).
/// Rates and CPU are per lookup against dnsperf (a host for a PTR-only scan,
/// else a DNS query) and per host against ptrscan-epoll-ref.
struct comparison_row {
  uint32_t shards = 0;
  std::string reference;
  uint32_t reference_threads = 0;  // dnsperf -T; 0 for epoll-ref
  std::string unit;                // "lookup" or "host"
  double ptrscan_rate = 0;         // units per second
  double ptrscan_cpu_ms_per_1k = 0;
  double reference_rate = 0;
  double reference_cpu_ms_per_1k = 0;
};

/// Pairs the runs and references of one scenario; empty when nothing pairs.
std::vector<comparison_row> compare(const std::vector<run_report>& runs,
                                    const std::vector<reference_report>& refs);

/// {"scenario":..,"comparison":[{shards, reference, unit, ptrscan_*,
/// reference_*, rate_ratio, cpu_ratio}]}: ratios are ptrscan / reference.
std::string to_json_line(const std::string& scenario, const std::vector<comparison_row>& rows);

}  // namespace ptrscan::bench
