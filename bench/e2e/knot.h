#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "testnet/subprocess.h"

namespace ptrscan::bench {

/// A zone served from an existing zone file.
struct zone_file {
  std::string origin;  // "18.198.in-addr.arpa"
  std::string file;    // absolute path
};

/// knot.conf for an authoritative server on `listen` ("127.0.0.1@53") with
/// its run files under `dir`: the worker counts of issue 4's measurements
/// (udp 2, tcp 1, background 1: the machine has two cores, shared with the
/// client), no response-rate limiting, zones loaded as they are (no semantic
/// checks, no journal, never written back).
std::string knot_config(const std::string& dir, const std::string& listen,
                        const std::vector<zone_file>& zones);

/// Writes the config into `dir` and starts knotd from the calling thread (so
/// in that thread's network namespace) on `host`:53; returns once every
/// zone's SOA is answered authoritatively. Throws std::runtime_error with the
/// log tail when knotd is missing, exits or is not ready within `timeout`.
testnet::daemon_process start_knot(const std::string& dir, const std::string& host,
                                   const std::vector<zone_file>& zones,
                                   std::chrono::milliseconds timeout);

}  // namespace ptrscan::bench
