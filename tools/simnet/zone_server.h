#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "simnet/model.h"
#include "simnet/run_control.h"
#include "simnet/zone_model.h"

namespace ptrscan::simnet {

/// Counters of the name servers, summed over all of them.
struct zone_server_stats {
  std::atomic<uint64_t> udp{0};      // datagrams answered
  std::atomic<uint64_t> tcp{0};      // TCP messages answered
  std::atomic<uint64_t> dropped{0};  // unanswerable datagrams, TCP connections cut
};

/// The simulated name servers of the delegation model (zone_model.h): one
/// UDP socket and one TCP listener on each server's own address
/// (127.(150 + role).N.53, at `port`), served by one thread. Authoritative
/// servers answer a zone audit's few queries per second each, not a
/// resolver's load: one poll loop over every socket is enough, and each TCP
/// connection is read until it closes or is idle for a second.
class zone_servers {
 public:
  /// Opens every socket. Throws std::runtime_error when one cannot be
  /// opened (another server on the address and port, no such address).
  zone_servers(const model& m, uint16_t port);
  ~zone_servers();
  zone_servers(const zone_servers&) = delete;
  zone_servers& operator=(const zone_servers&) = delete;

  size_t count() const { return servers_.size(); }

  /// Serves until `control` says stop.
  void run(const run_control& control);

  const zone_server_stats& stats() const { return stats_; }

 private:
  struct server {
    zone_server_id id;
    int udp = -1;
    int tcp = -1;
  };
  const model& model_;
  std::vector<server> servers_;
  zone_server_stats stats_;
};

}  // namespace ptrscan::simnet
