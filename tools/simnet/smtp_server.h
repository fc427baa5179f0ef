#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "simnet/model.h"
#include "simnet/run_control.h"

namespace ptrscan::simnet {

/// Counters of one SMTP server, summed over its threads.
struct smtp_stats {
  std::atomic<uint64_t> sessions{0};
  std::atomic<uint64_t> quits{0};
  std::atomic<uint64_t> tls_ok{0};
  std::atomic<uint64_t> tls_failed{0};
  std::atomic<uint64_t> max_open{0};  // most connections one thread held at once
};

/// The SMTP side of the simulated network: one listener plays every address
/// routed to it, greeting with the name the model gives the address the
/// client connected to (getsockname). Which addresses refuse or stay silent
/// is the firewall's business (see nft_script.h): the server answers every
/// connection that reaches it. Each thread owns an SO_REUSEPORT listener and
/// an epoll loop with its connections and reply timers; no thread per
/// connection, nothing shared but the TLS context.
class smtp_server {
 public:
  /// Listens on ip:port (host order; port 0 picks one) with `threads`
  /// listeners. Throws std::runtime_error when that fails.
  smtp_server(const model& m, uint32_t ip, uint16_t port, int threads, SSL_CTX* tls);
  ~smtp_server();
  smtp_server(const smtp_server&) = delete;
  smtp_server& operator=(const smtp_server&) = delete;

  uint16_t port() const { return port_; }

  /// Serves on one thread per listener until `control` says stop.
  void run(const run_control& control, const delay_settings& delay);

  const smtp_stats& stats() const { return stats_; }

 private:
  const model& model_;
  SSL_CTX* tls_;
  std::vector<int> listeners_;
  uint16_t port_ = 0;
  smtp_stats stats_;
};

}  // namespace ptrscan::simnet
