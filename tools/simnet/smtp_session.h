#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ptrscan::simnet {

/// One reply of the simulated MTA and what the connection does after it is
/// sent.
struct smtp_reply {
  enum class then_do : uint8_t { nothing, close, start_tls };
  std::string text;  // one or more CRLF-terminated lines
  then_do then = then_do::nothing;
};

/// The protocol side of one simulated SMTP session, bytes-free: a line in,
/// a reply out. Knows HELO, EHLO, STARTTLS (when offered), NOOP, RSET and
/// QUIT; everything else gets 502. Delivers nothing.
class smtp_session {
 public:
  /// Longest command line accepted (RFC 5321 allows 512 octets; be lenient).
  static constexpr size_t max_line = 4096;

  smtp_session(std::string name, bool offers_starttls)
      : name_(std::move(name)), offers_starttls_(offers_starttls) {}

  /// "220 <name> ESMTP simnet".
  smtp_reply greeting() const;
  /// The reply to one command line, without its CRLF.
  smtp_reply on_line(std::string_view line) const;
  /// The reply when a line grows past max_line without an end.
  smtp_reply line_too_long() const;
  /// After the TLS handshake: EHLO no longer offers STARTTLS, and STARTTLS
  /// is refused.
  void tls_started() { in_tls_ = true; }

 private:
  std::string name_;
  bool offers_starttls_;
  bool in_tls_ = false;
};

}  // namespace ptrscan::simnet
