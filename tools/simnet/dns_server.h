#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "simnet/model.h"
#include "simnet/run_control.h"

namespace ptrscan::simnet {

/// Counters of one DNS server, summed over its threads.
struct dns_stats {
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> dropped{0};   // no reply: unanswerable, too many held, send error
  std::atomic<uint64_t> max_held{0};  // most replies one thread held at once
};

/// The authoritative UDP DNS server of the simulated network. One
/// SO_REUSEPORT socket per thread, so the kernel spreads queries over the
/// threads with no shared state; each thread reads and writes in batches
/// (recvmmsg/sendmmsg) and holds every reply in a time-ordered queue until its
/// delay has passed.
class dns_server {
 public:
  /// Opens `threads` sockets on ip:port (host order; port 0 picks one).
  /// Throws std::runtime_error when that fails.
  /// With `delegations`, answers as answer_query does with them.
  dns_server(const model& m, uint32_t ip, uint16_t port, int threads, bool delegations = false);
  ~dns_server();
  dns_server(const dns_server&) = delete;
  dns_server& operator=(const dns_server&) = delete;

  uint16_t port() const { return port_; }

  /// Serves on one thread per socket until `control` says stop; returns when
  /// all threads have.
  void run(const run_control& control, const delay_settings& delay);

  const dns_stats& stats() const { return stats_; }

 private:
  void serve_socket(int fd, const run_control& control, const delay_settings& delay, uint64_t seed);

  const model& model_;
  bool delegations_ = false;
  std::vector<int> fds_;
  uint16_t port_ = 0;
  dns_stats stats_;
};

}  // namespace ptrscan::simnet
