#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "e2e/scenario.h"

namespace ptrscan::bench {

/// What one invocation of ptrscan-bench runs.
struct bench_options {
  std::vector<std::string> scenarios;  // in run order
  std::vector<uint32_t> shards{1, 2};  // -T/--threads: ptrscan -T of each run
  int repeat = 1;
  /// The scanned block; the simulator plays exactly this block. Must lie
  /// inside 198.18.0.0/15, the range routed to lo in the namespace (a
  /// DNS-only scenario's may lie inside 10.0.0.0/12 instead). "": each
  /// scenario's own (scenario::hosts), else 198.18.0.0/15.
  std::string hosts;
  bool reference = false;
  /// dnsperf's -q values, each one run of the reference sweep.
  std::vector<uint32_t> sweep{50, 100, 200, 500, 1000, 2000};
  bool keep = false;
  /// 0: the scenario's own --max-inflight.
  uint32_t max_inflight = 0;
  /// Wall-clock limit of one ptrscan (or dnsperf) run; killed past it.
  std::chrono::seconds deadline{300};
  /// Given after `--`: extra ptrscan flags for every run (experiments such
  /// as --dns-inflight), placed after the scenario's own.
  std::vector<std::string> ptrscan_args;
  std::string ptrscan;  // binary paths; defaults are the build's own
  std::string simnet;
  /// ptrscan-epoll-ref; "" = the build's, else PATH's, else no reference.
  std::string epoll_ref;
  /// The listen scenario's reference server and load generator; "" = the
  /// build's, else PATH's.
  std::string listen_ref;
  std::string listen_load;
};

/// The --help text.
std::string usage();

/// Parses argv. `--smoke` means every scenario (unless one is named) on
/// 198.18.0.0/22 with a 60 s deadline. A status message is the usage error;
/// kCancelled: -h/--help was asked for (print usage(), exit 0).
absl::StatusOr<bench_options> parse_options(const std::vector<std::string>& args);

/// Addresses in an IPv4 CIDR inside 198.18.0.0/15 (or, with `dns_only`,
/// inside 10.0.0.0/12 as well), or 0 when it is not one.
uint64_t benchmark_block_size(const std::string& cidr, bool dns_only = true);

/// The block scenario `s` scans under `o`: --hosts, else the scenario's
/// own, else 198.18.0.0/15.
std::string scanned_block(const bench_options& o, const scenario& s);

}  // namespace ptrscan::bench
