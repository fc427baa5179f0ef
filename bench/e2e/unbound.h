#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testnet/loopback.h"
#include "testnet/subprocess.h"

namespace ptrscan::bench {

/// What Unbound is told in a scenario.
struct unbound_settings {
  testnet::endpoint listen;     // ptrscan's resolver
  testnet::endpoint authority;  // Knot or the simulator
  /// Zones stubbed to the authority; everything else goes there too (as a
  /// forward of the root, which it refuses): never anywhere else.
  std::vector<std::string> zones;
  /// ip-ratelimit (queries/s per client address); 0: off.
  uint32_t ip_ratelimit = 0;
};

/// The zones Unbound sends to the authority in every scenario: the whole
/// benchmark range's reverse zones and the simulator's forward zone.
std::vector<std::string> simulated_zones();

/// unbound.conf for `s`, with its run files under `dir`. Nothing in it can
/// reach past loopback: root hints naming only the authority, the root
/// forwarded to the authority, queries sent from the loopback address only
/// (and the namespace has only lo).
std::string unbound_config(const std::string& dir, const unbound_settings& s);

/// Writes the config into `dir` and starts `unbound -d` from the calling
/// thread (so in its network namespace); returns once a query through it
/// for the forward zone's SOA gets a definite answer from the authority (no
/// scanned name is asked, so the cache stays cold for the scan). Throws
/// std::runtime_error with the log tail when it does not come up in
/// `timeout`.
testnet::daemon_process start_unbound(const std::string& dir, const unbound_settings& s,
                                      std::chrono::milliseconds timeout);

/// Unbound's own counts, summed over its threads, from the statistics it
/// logs when it stops ("server stats for thread N: ...").
struct unbound_stats {
  uint64_t queries = 0;
  uint64_t cache_answers = 0;
  uint64_t recursions = 0;
  uint64_t ratelimited = 0;  // "rejected by ip ratelimiting": dropped
  uint64_t exceeded = 0;     // requestlist full: queries dropped
  uint64_t jostled = 0;      // requestlist full: older queries replaced
};

/// The counts in an Unbound log, or nullopt when it has none (Unbound did
/// not stop cleanly).
std::optional<unbound_stats> parse_unbound_stats(std::string_view log);

}  // namespace ptrscan::bench
