#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "e2e/scenario.h"
#include "e2e/simnet.h"
#include "testnet/netns.h"
#include "testnet/subprocess.h"

namespace ptrscan::bench {

/// One run's world: a fresh network namespace with only lo and
/// 198.18.0.0/15 routed to it, the calling thread inside it (so every
/// process it starts lives there), and the scenario's servers. Destruction
/// stops the servers by PID, then leaves and deletes the namespace.
class bench_network {
 public:
  /// Starts what `s` needs; `zones` are Knot's (unused without Knot) and
  /// `hosts` the scanned block, whose first address the readiness probes
  /// use. The simulator exits by itself after `lifetime`, should nothing
  /// stop it. Logs go to `dir`. Throws std::runtime_error, with the servers'
  /// log tails, when something does not come up.
  static std::unique_ptr<bench_network> start(const scenario& s, const simnet_cli& simnet,
                                              const std::vector<zone_file>& zones,
                                              const std::string& dir, const std::string& hosts,
                                              std::chrono::seconds lifetime);

  bench_network(const bench_network&) = delete;
  bench_network& operator=(const bench_network&) = delete;
  ~bench_network() = default;

 private:
  bench_network() = default;
  void start_simnet(const scenario& s, const simnet_cli& simnet, const std::string& dir,
                    const std::string& first_host, std::chrono::seconds lifetime);

  // Declared in set-up order, so destroyed in the reverse: servers stop
  // (Unbound first) before the thread leaves the namespace, which goes last.
  std::unique_ptr<testnet::net_namespace> ns_;
  std::optional<testnet::netns_scope> inside_;
  testnet::daemon_process knot_;
  testnet::daemon_process simnet_;
  testnet::daemon_process unbound_;
};

}  // namespace ptrscan::bench
