#pragma once

#include <string>
#include <vector>

#include "e2e/options.h"
#include "e2e/report.h"
#include "e2e/scenario.h"
#include "e2e/simnet.h"

namespace ptrscan::bench {

/// What every run of one scenario shares: the simulator with the
/// scenario's mix over the scanned block, Knot's zone files (written once)
/// and the work directory.
struct scenario_setup {
  const scenario& s;
  const bench_options& options;
  simnet_cli simnet;
  std::vector<zone_file> zones;
  std::string dir;
  /// The scanned block (scanned_block()).
  std::string hosts;
};

/// Makes `dir` the scenario's and writes its zones when Knot serves them.
/// Throws std::runtime_error when the simulator cannot write them.
scenario_setup prepare_scenario(const scenario& s, const bench_options& options,
                                const std::string& dir);

/// One measured ptrscan run in a fresh namespace, then the simulator's check
/// of its output; with the scenario's baseline_probes, a second measured run
/// with them in the same namespace right after, checked too. Never throws:
/// failures are in the report.
run_report run_once(const scenario_setup& setup, uint32_t shards, int repeat);

/// dnsperf against ptrscan's resolver, with the scanned block's PTR names:
/// one run per -q of the options' sweep, each in a fresh namespace with
/// fresh servers (a cold Unbound stays cold, a rate limit starts afresh), at
/// `threads` threads and max(2, threads) clients. Never throws.
reference_report run_dnsperf_sweep(const scenario_setup& setup, uint32_t threads);

/// ptrscan-epoll-ref (`binary`) in a fresh namespace set up as ptrscan's,
/// with ptrscan's --max-inflight; tool "none" with the reason when `binary`
/// is "". Never throws.
reference_report run_epoll_ref(const scenario_setup& setup, const std::string& binary);

/// A "none" line for a scenario without a reference client.
reference_report no_reference(const scenario_setup& setup, const std::string& reason);

}  // namespace ptrscan::bench
