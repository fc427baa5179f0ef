#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "testnet/loopback.h"

namespace ptrscan::testnet {

/// A misbehaviour real MTAs will not produce on request.
enum class smtp_script : uint8_t {
  multiline_greeting,  // "220-a.example.test hello" "220-more" "220 done", then a normal EHLO
  greeting_554,        // "554 ..." greeting; 503 to everything but QUIT
  ehlo_502,            // EHLO answered 502, HELO accepted
  silent,              // accepts and says nothing (slower than any read timeout)
  reset_mid_reply,     // "220-...\r\n220-part" then an RST (SO_LINGER 0)
  endless_line,        // "220 " and 1 MiB without a CRLF
  garbage,             // binary bytes that are no SMTP reply
  starttls_garbage,    // advertises STARTTLS, says 220 to it, then sends non-TLS bytes
  ehlo_other_host,     // greets as banner.example.test, answers EHLO as ehlo.example.test
  // Hostile peers (issue 15). Each is a closed relay: MAIL 250, RCPT 554,
  // RSET 250, so a relay verdict of `open` can only be a misreading.
  double_greeting,   // the greeting twice in one write
  ehlo_flood,        // EHLO's reply followed by three extra "250 ok" in the same write
  starttls_70th,     // 69 extensions, then STARTTLS; STARTTLS answered 454
  display_hazards,   // greeting and EHLO with C1 controls, bidi overrides and U+2028
  long_rcpt_text,    // RCPT refused with 400 bytes of text
  // Middleboxes and tarpits (issue 16 item 5), closed relays too.
  firewall_masked,   // a Cisco-style inspected session: "220 ****...2*0**0", EHLO with
                     // XXXXXXXA where STARTTLS was; RCPT 554 5.7.1
  greylisting,       // RCPT 450 4.2.0 "... Greylisted, see ..." (postgrey's text)
  tempfail_policy,   // RCPT 451 4.7.1 "Rate limit exceeded": a 4.7.1 that is no greylisting
  greet_pause,       // the greeting comes 2.2 s after the connection
  // HELO rules (issue 16 item 3): any names, given to the constructor.
  named_hosts,  // "220 BANNER ESMTP scripted", EHLO answered "250-EHLO hello"
};

/// Label for test names and messages ("multiline_greeting", ...).
std::string_view to_string(smtp_script s);

/// The host each script names in its greeting (and, but for
/// ehlo_other_host, in its EHLO replies).
std::string script_host(smtp_script s);

/// The host each script names in its EHLO reply (script_host but for
/// ehlo_other_host).
std::string script_ehlo_host(smtp_script s);

/// The exact greeting bytes a script sends (for the scripts that send one
/// complete greeting; empty for the others).
std::string script_greeting(smtp_script s);

/// A scripted SMTP server: a thread accepting on host:port, one thread per
/// connection following `script`. Every connection ends by itself within
/// `connection_limit`; the destructor stops accepting, wakes and joins all
/// threads. Listens on 127.0.0.0/8 only.
class scripted_smtp_server {
 public:
  /// Binds and starts listening (port 0: any free port). Throws
  /// std::runtime_error when the address is not loopback or bind fails.
  /// `banner_host` and `ehlo_host`: the first words of the greeting and of
  /// the EHLO reply, for named_hosts (any text; the other scripts ignore
  /// them).
  scripted_smtp_server(smtp_script script, const std::string& host, uint16_t port,
                       std::chrono::milliseconds connection_limit = std::chrono::seconds(10),
                       std::string banner_host = {}, std::string ehlo_host = {});
  scripted_smtp_server(const scripted_smtp_server&) = delete;
  scripted_smtp_server& operator=(const scripted_smtp_server&) = delete;
  ~scripted_smtp_server();

  const endpoint& address() const { return address_; }
  smtp_script script() const { return script_; }
  /// Connections accepted so far.
  int connections() const { return connections_.load(); }
  /// Command lines received, in order, over all connections (for asserting
  /// what the client sent, e.g. "EHLO scanner.test").
  std::vector<std::string> commands() const;

 private:
  void accept_loop();
  void serve(int fd);
  void record(const std::string& line);

  smtp_script script_;
  std::string banner_host_;
  std::string ehlo_host_;
  endpoint address_;
  std::chrono::milliseconds connection_limit_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<std::thread> workers_;
  std::vector<std::string> commands_;
};

}  // namespace ptrscan::testnet
