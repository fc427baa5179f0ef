#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "testnet/loopback.h"

namespace ptrscan::testnet {

/// What a plain-text SMTP exchange with a test server saw.
struct smtp_greeting {
  std::string greeting;  // the greeting reply, without its final CRLF
  std::string ehlo;      // the EHLO reply, without its final CRLF (empty if not sent)
};

/// Connects to `server` (plain TCP, no TLS), reads the greeting, optionally
/// sends `EHLO ehlo_name` and reads its reply, then sends QUIT and closes
/// without waiting for 221. The readiness check of the test MTAs and a tool
/// for checking fixtures by hand. nullopt on any failure or past `timeout`.
/// Refuses anything but 127.0.0.0/8 unless `allow_any` (inside a test
/// network namespace, where 198.18.0.0/15 is local too).
std::optional<smtp_greeting> smtp_hello(const endpoint& server, const std::string& ehlo_name,
                                        std::chrono::milliseconds timeout, bool allow_any = false);

}  // namespace ptrscan::testnet
