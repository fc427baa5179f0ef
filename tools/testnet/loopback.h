#pragma once

#include <cstdint>
#include <string>

namespace ptrscan::testnet {

/// An IPv4 loopback address and port a test server listens on.
struct endpoint {
  std::string host;
  uint16_t port = 0;

  /// "127.1.2.3:5353": the form ptrscan's --resolver takes.
  std::string to_string() const { return host + ":" + std::to_string(port); }
  /// "127.1.2.3@5353": the form knot and unbound configs take.
  std::string at_form() const { return host + "@" + std::to_string(port); }
};

/// A random 127.A.B.C with A in 10..250 and B, C in 1..254, so tests running
/// in parallel rarely share an address (and never with the 127.0.0.0/16 that
/// system services tend to use).
std::string random_loopback_v4();

/// A port that is free for both UDP and TCP on `host` right now (found by
/// binding port 0). Throws std::runtime_error when none is found.
uint16_t free_port(const std::string& host);

/// True when `host` is in 127.0.0.0/8: every server and query in testnet
/// checks this before touching the network.
bool is_loopback_v4(const std::string& host);

}  // namespace ptrscan::testnet
