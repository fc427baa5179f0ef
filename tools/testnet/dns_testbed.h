#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "testnet/loopback.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {

/// One zone knot serves. The testbed writes `$ORIGIN`, `$TTL`, an SOA and an
/// NS record itself; `records` is the rest, in zone-file syntax (names
/// relative to the origin or absolute with a trailing dot).
struct zone_spec {
  std::string origin;  // "18.198.in-addr.arpa" (a trailing dot is optional)
  std::string records;
};

/// What to serve.
struct testbed_options {
  std::vector<zone_spec> zones;
  /// Zones unbound delegates to a loopback port where nothing listens:
  /// every name under them resolves to SERVFAIL.
  std::vector<std::string> dead_zones;
  /// Extra lines for unbound's `server:` clause.
  std::vector<std::string> unbound_extra;
  /// How long knot and unbound each get to answer their readiness queries.
  std::chrono::milliseconds ready_timeout{60'000};
};

/// Timings of start(), for the measurements the tests print.
struct testbed_timings {
  std::chrono::milliseconds write_files{0};
  std::chrono::milliseconds knot_ready{0};     // knotd started until every zone answers
  std::chrono::milliseconds unbound_ready{0};  // unbound started until every zone answers
};

/// An authoritative server (knotd) with the given zones and a recursive
/// resolver (unbound) in front of it, both on a random 127.A.B.C address in
/// a fresh temp dir. Unbound resolves only the served and dead zones: other
/// names are REFUSED (or answered from unbound's built-in static zones such
/// as test.), its root is forwarded to knot (which refuses it too), its root
/// hints name only a loopback address and it sends from the loopback address
/// only, so nothing can leave the machine. Stopped (by PID) and the temp dir removed on destruction;
/// with PTRSCAN_KEEP_TESTBED=1 the dir (configs, zones, logs) is kept.
class dns_testbed {
 public:
  /// Writes the files, starts knotd, waits until it answers the SOA of every
  /// zone, then starts unbound and waits the same way through it. Throws
  /// std::runtime_error with the servers' log tails when anything fails
  /// (including missing knotd/unbound binaries: they are required).
  static std::unique_ptr<dns_testbed> start(const testbed_options& options);

  dns_testbed(const dns_testbed&) = delete;
  dns_testbed& operator=(const dns_testbed&) = delete;
  ~dns_testbed();

  /// Where unbound listens: give this to ptrscan's --resolver.
  const endpoint& resolver() const { return resolver_; }
  /// Where knotd listens (authoritative only, no recursion).
  const endpoint& authoritative() const { return authoritative_; }
  /// Where the dead zones point (nothing listens there).
  const endpoint& dead() const { return dead_; }
  const std::string& dir() const { return dir_; }
  const testbed_timings& timings() const { return timings_; }

  /// True while both servers are running.
  bool healthy();
  /// Log tails of both servers, for failure messages.
  std::string logs() const;

 private:
  dns_testbed() = default;
  void write_files(const testbed_options& options);
  void start_knot(const testbed_options& options);
  void start_unbound(const testbed_options& options);

  std::string dir_;
  endpoint authoritative_;
  endpoint resolver_;
  endpoint dead_;
  daemon_process knot_;
  daemon_process unbound_;
  testbed_timings timings_;
};

/// Strips a trailing dot and lower-cases: the form names are compared in.
std::string normalise_name(std::string name);

}  // namespace ptrscan::testnet
