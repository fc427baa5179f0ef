#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "e2e/measured_run.h"
#include "e2e/run.h"

namespace ptrscan::bench {

/// Which server a run of the `listen` scenario measures.
enum class listen_server : uint8_t {
  ptrscan,           // ptrscan listen
  reference,         // ptrscan-listen-ref: the PTR only
  reference_fcrdns,  // ptrscan-listen-ref --fcrdns: the PTR, then the A of its first name
};

/// One server's run of the `listen` scenario: `ptrscan listen` (with its
/// defaults but -T) or ptrscan-listen-ref, in a fresh namespace with the
/// simulator's DNS, under ptrscan-listen-load's connections (one per
/// address of the block, each from that address).
struct listen_report {
  std::string server;    // "ptrscan", "ptrscan-listen-ref" or "ptrscan-listen-ref --fcrdns"
  bool fcrdns = false;   // the server decides FCrDNS (ptrscan, the --fcrdns reference)
  uint32_t shards = 0;   // ptrscan -T; 0 for the reference
  int repeat = 0;
  uint64_t connections = 0;
  uint32_t concurrency = 0;
  std::optional<measured_run> server_run;  // its rusage: the CPU per connection
  std::optional<measured_run> load_run;
  // The load generator's line.
  uint64_t load_ok = 0;
  uint64_t load_failed = 0;
  uint64_t verdict_ptr_ok = 0;  // RCPT replies saying ptr=ok
  uint64_t verdict_fcrdns_pass = 0;  // RCPT replies saying fcrdns=pass
  double load_wall_s = 0;       // first connect to last close: the rate's
  // ptrscan: its records, each checked; the reference: its counts.
  uint64_t records = 0;
  uint64_t bad_records = 0;
  std::string first_bad_record;  // why the first one failed the check
  uint64_t ptr_ok = 0;           // records (reference: lookups) with PTR ok
  uint64_t fcrdns_pass = 0;      // records (reference: verdicts) with FCrDNS pass
  /// DNS queries the server put on the wire (ptrscan: its summary line's
  /// "queries sent"; the reference: its "dns_sent"), retries included.
  std::optional<uint64_t> dns_queries;
  std::string error;

  /// Every connection did the whole dialogue, the server exited 0 and
  /// (ptrscan) wrote one good record per connection.
  bool passed() const;
  double per_s() const {
    return load_wall_s > 0 ? static_cast<double>(connections) / load_wall_s : 0;
  }
  /// The server's CPU milliseconds per 1,000 connections.
  double cpu_ms_per_1k() const;
  /// DNS queries per connection (0 when unknown).
  double dns_per_connection() const {
    return dns_queries && connections > 0
               ? static_cast<double>(*dns_queries) / static_cast<double>(connections)
               : 0;
  }
};

/// Runs one server (`shards`: ptrscan's -T; ignored for the references).
listen_report run_listen(const scenario_setup& setup, listen_server server, uint32_t shards,
                         int repeat);

std::string to_json_line(const listen_report& r);

/// {"scenario":"listen","repeat":R,"comparison":[{shards, reference, unit
/// "connection", ptrscan_per_s, reference_per_s, rate_ratio,
/// ptrscan_cpu_ms_per_1k, reference_cpu_ms_per_1k, cpu_ratio,
/// meets_targets}]}: one row per ptrscan run of the repeat against the
/// reference run of the same repeat. Targets (issue 19): rate_ratio >= 1.0
/// at cpu_ratio <= 0.75. Against the --fcrdns reference ("reference":
/// "ptrscan-listen-ref --fcrdns") each row also has fcrdns_pass_agree.
std::string listen_comparison_line(const std::vector<listen_report>& ptrscan_runs,
                                   const listen_report& reference, int repeat);

}  // namespace ptrscan::bench
