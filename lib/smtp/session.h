#pragma once

#include <linux/time_types.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "core/ring.h"
#include "core/slab.h"
#include "smtp/reply_parser.h"
#include "smtp/smtp_result.h"
#include "tls/tls_client.h"

namespace ptrscan {

/// What the smtp and starttls probes do; every wait is a flag.
struct smtp_options {
  std::vector<uint16_t> ports = {25};
  std::string ehlo_name = "localhost";
  bool starttls = true;
  /// --starttls always: try STARTTLS also when EHLO does not list it (a
  /// middlebox may have stripped it); the result says it was unadvertised.
  bool starttls_always = false;
  int connect_timeout_ms = 5000;
  int read_timeout_ms = 10000;   // each read and each write
  int session_timeout_ms = 30000;  // the whole session, connect to QUIT
  /// The opt-in open-relay test (--probes relay): after the last EHLO,
  /// MAIL FROM:<relay_local@relay_from>, RCPT TO:<relay_local@relay_to>,
  /// RSET, QUIT. Never DATA. The defaults are reserved names (RFC 2606).
  bool relay = false;
  std::string relay_local = "ptrscan-relay-test";
  std::string relay_from = "example.org";
  std::string relay_to = "example.net";
};

/// Told when a session has finished and its smtp_result is final.
class smtp_client {
 public:
  virtual void on_smtp_done(uint64_t owner) = 0;
  /// The session's connect has an outcome (before any on_smtp_done):
  /// `answered` when the target answered (connected, refused, reset,
  /// unreachable), false when it did not (timeout, or a local failure such
  /// as no source port); `established` when connected. For admission.
  virtual void on_smtp_connect(uint64_t owner, bool answered, bool established) {
    (void)owner;
    (void)answered;
    (void)established;
  }

 protected:
  ~smtp_client() = default;
};

/// The SMTP identity probe of one shard: a slab of sessions, each an explicit
/// state machine driven by ring completions (connect → greeting → EHLO →
/// [HELO] → [STARTTLS → TLS → EHLO] → [MAIL → [RCPT] → RSET] → QUIT). One I/O
/// operation per session is in flight at a time, always linked to a timeout
/// bounded by the session's deadline, so a session can only end from a
/// completion handler. Sends MAIL and RCPT only for the opt-in relay test
/// (smtp_options::relay), one command at a time; never sends DATA, and never
/// waits for QUIT's reply.
///
/// Replies are paired with commands: one command is sent at a time (never
/// pipelined), and bytes that arrive when no command awaits a reply are set
/// aside and recorded as a violation (smtp_violation), never read as the
/// next command's reply. A session with a violation gives no relay verdict.
class smtp_prober {
 public:
  smtp_prober(ring& r, smtp_client& client, const smtp_options& options, const tls_context* tls,
              uint32_t capacity);
  ~smtp_prober();

  enum class start_result { started, finished, busy };
  /// Starts a session to ip:port writing into `*out`, which must stay valid
  /// until on_smtp_done(owner). `finished`: it failed at once (no socket:
  /// `*out` says why) and on_smtp_done will not be called; `busy`: no slot.
  start_result start(const ip_address& ip, uint16_t port, smtp_result* out, uint64_t owner);
  /// Testing seam (fuzz/smtp_session_fuzzer.cc): a session over `fd`, a
  /// stream socket already connected (one end of a socketpair), from the
  /// greeting on (port 465: from the TLS handshake). Takes `fd`; `busy` (and
  /// `fd` closed) when no slot is free. Unlike start(), on_smtp_done may come
  /// from inside (port 465 without a TLS context).
  start_result adopt(int fd, uint16_t port, smtp_result* out, uint64_t owner);

  /// A ring completion whose user_data names one of our operations.
  void on_completion(uint64_t user_data, int res);

  /// The scan is stopping and the grace is over: every open session is
  /// ended with status `stopped` (what it learned so far is kept), through
  /// a cancel of its one operation in flight, so each still ends from a
  /// completion handler and on_smtp_done comes for each. Idempotent.
  void stop_all();

  uint32_t active() const { return sessions_.in_use(); }
  uint32_t capacity() const { return sessions_.capacity(); }

 private:
  enum class phase : uint8_t {
    idle,
    connecting,
    greeting,
    ehlo,
    helo,
    starttls,
    tls_handshake,
    ehlo_tls,
    relay_mail,
    relay_rcpt,
    rset,
    quit,
  };
  struct session {
    phase ph = phase::idle;
    int fd = -1;
    uint64_t owner = 0;
    smtp_result* out = nullptr;
    bool implicit_tls = false;
    bool sending = false;  // the in-flight op is a send (else connect/recv)
    bool stopped = false;  // stop_all(): the next completion ends it as stopped
    int64_t start_ns = 0;
    int64_t deadline_ns = 0;
    int64_t phase_ns = 0;
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    __kernel_timespec timeout{};
    // 16 KiB per reply: real greetings and EHLO replies are under 2 KiB,
    // and the cap bounds memory per session in flight.
    reply_reader reader{2048, 16 * 1024};
    std::string outbox;     // bytes to send (ciphertext when TLS is up)
    size_t outbox_off = 0;
    std::string inbox;      // received plaintext not yet parsed
    std::unique_ptr<tls_client_session> tls;
    /// Receive buffer, allocated when the slot is first used: a slab sized
    /// for 20,000 sessions must not touch 80 MB before the first connect.
    std::unique_ptr<char[]> buf;
  };

  session& at(uint32_t slot) { return sessions_[slot]; }
  /// Resets slot `slot` for a new session to `port` writing into `*out`.
  void prepare(uint32_t slot, uint16_t port, smtp_result* out, uint64_t owner);
  void submit_connect(uint32_t slot);
  void submit_recv(uint32_t slot);
  void submit_send(uint32_t slot);
  void link_timeout(uint32_t slot, int timeout_ms);
  void send_command(uint32_t slot, std::string_view line, phase next);
  void on_connected(uint32_t slot);
  void on_bytes(uint32_t slot, std::string_view data);
  void parse_inbox(uint32_t slot);
  void on_reply(uint32_t slot, const smtp_reply& reply);
  void start_tls(uint32_t slot);
  void drive_handshake(uint32_t slot);
  /// A send or receive of the TLS handshake failed (`res` < 0: reset,
  /// timeout): records the failed upgrade and ends the session.
  void handshake_io_failed(uint32_t slot, int res);
  void after_send(uint32_t slot);
  void after_hello(uint32_t slot);
  void on_relay_reply(uint32_t slot, const smtp_reply& reply);
  void record_relay_reply(uint32_t slot, const smtp_reply& reply);
  /// Sets aside every byte the server sent that no command asked for (left
  /// over after the last reply, or waiting in the socket); true when there
  /// were any. Called right before each command and before a STARTTLS
  /// handshake: a reply is only ever read from bytes that came after its
  /// command was sent.
  bool drain_unsolicited(uint32_t slot);
  /// drain_unsolicited(), recording a violation when it found bytes:
  /// early_talker after the greeting, unsolicited_reply after any other reply.
  void check_unsolicited(uint32_t slot);
  /// A reply that cannot answer the command of `ph`: no code, 1xx or 3xx,
  /// or a 2xx other than the command's success code.
  static bool out_of_step(phase ph, int code);
  /// For error texts ("during greeting").
  static const char* phase_name(phase ph);
  void quit(uint32_t slot);
  void finish(uint32_t slot, smtp_status status, std::string error = {});
  double ms_since(int64_t from_ns) const;

  ring& ring_;
  smtp_client& client_;
  const smtp_options options_;
  const tls_context* tls_ctx_;
  slab<session> sessions_;
};

}  // namespace ptrscan
