#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan {

/// Caps of one listener session. Every cap that cuts something is named in
/// the record's `truncated` list.
struct responder_limits {
  /// Longest command line kept, CRLF included (RFC 5321 §4.5.3.1.4 says
  /// 512; clients with long parameters go past it, so more is allowed).
  /// A longer line is answered 500 and dropped: `truncated` "line".
  size_t max_line = 1000;
  /// Commands per session; the one past it ends the session with 421:
  /// `truncated` "commands".
  uint32_t max_commands = 100;
  /// RCPT TO addresses kept in the record (all are answered and counted):
  /// `truncated` "rcpt".
  size_t max_rcpts = 16;
  /// Longest HELO name or address kept in the record: `truncated` "text".
  size_t max_text = 320;
};

/// What the responder says about itself.
struct responder_config {
  /// The host name in the greeting and the EHLO reply.
  std::string hostname = "localhost";
  /// STARTTLS is advertised and accepted (a certificate is loaded).
  bool tls_available = false;
  responder_limits limits;
};

/// What one session's client did, for its record. Times are milliseconds
/// since the connection was accepted; -1 = did not happen.
struct listen_dialogue {
  std::string helo_verb;  // "EHLO" or "HELO" of the last greeting command; "" none
  std::string helo;       // its argument as sent (capped at max_text)
  std::string mail_from;  // the reverse-path of the last MAIL FROM, without <>
  bool mail_seen = false;
  std::vector<std::string> rcpts;  // forward-paths, at most max_rcpts
  uint32_t rcpts_total = 0;
  uint32_t commands = 0;
  uint32_t unknown_commands = 0;
  bool data_attempted = false;
  bool early_talker = false;       // bytes before the greeting was sent
  uint32_t early_bytes = 0;
  /// Protocol violations seen, each once, in the order first seen:
  /// early_talker, bare_lf, line_too_long, pipelining_not_offered,
  /// data_after_starttls, bad_sequence, syntax_error.
  std::vector<std::string> violations;
  /// Caps that cut something: line, commands, rcpt, text.
  std::vector<std::string> truncated;
  /// How the session ended: quit, closed (client closed first), timeout,
  /// commands (the cap), shutdown, error. "" while open.
  std::string end;
  int64_t ms_greeting = -1;
  int64_t ms_helo = -1;
  int64_t ms_mail = -1;
  int64_t ms_rcpt = -1;  // the first RCPT
  int64_t ms_data = -1;
  int64_t ms_starttls = -1;
  int64_t ms_end = -1;
};

/// The server side of one SMTP dialogue (RFC 5321) that never accepts a
/// message: pure bytes in, bytes out, no sockets and no clock of its own
/// (the caller passes `now_ms`, milliseconds since accept). The driver
/// feeds what it reads, sends what take_output() returns, and closes once
/// closing() is set and the output is sent.
///
/// Commands are answered strictly in order (RFC 2920: a pipelined group
/// gets its replies in the order of its commands). A RCPT needs the verdict
/// line, which the lookups give later: the responder stops at it
/// (waiting_verdict()) and takes no further command until answer_rcpt().
/// While it waits, the driver stops reading, so buffered input is bounded by
/// one read plus max_line.
class responder {
 public:
  explicit responder(const responder_config& config);

  /// Bytes from the client. Before send_greeting() they are an early
  /// talker's, kept and answered in order once the greeting is out.
  void on_bytes(std::string_view bytes, int64_t now_ms);
  /// Writes the 220 greeting and answers what is buffered.
  void send_greeting(int64_t now_ms);
  /// Answers the RCPT it waits at with "550 5.7.1 <verdict>", then goes on.
  void answer_rcpt(std::string_view verdict, int64_t now_ms);
  /// The TLS handshake after a 220 to STARTTLS finished: the dialogue
  /// starts over (RFC 3207 §4.2: the client must EHLO again).
  void tls_established(int64_t now_ms);
  /// Ends the session with a 421 (`end`: timeout, shutdown) unless it has
  /// ended already.
  void abort(std::string_view end, int64_t now_ms);
  /// The client closed (or reset) the connection. `end` "closed" is an EOF,
  /// which may be a half-close: the lines already received are still
  /// answered (the greeting is sent at once if it was held), a RCPT among
  /// them waits for its verdict as usual, and closing() is set once they
  /// are. No more input is taken (on_bytes ignores it): the driver must not
  /// read again after an EOF. Any other `end` (reset, tls_error) closes at
  /// once, as does an EOF after a 220 to STARTTLS.
  void peer_closed(std::string_view end, int64_t now_ms);
  /// An EOF was seen: nothing more will be read.
  bool input_ended() const { return input_ended_; }

  /// Reply bytes to send, in order; empties the buffer.
  std::string take_output();
  bool has_output() const { return !out_.empty(); }
  /// Input bytes held (a partial line, or commands behind a RCPT that
  /// waits): never more than one read plus max_line.
  size_t buffered() const { return in_.size(); }
  bool waiting_verdict() const { return state_ == state::rcpt_wait; }
  /// A 220 to STARTTLS was written: once it is sent, the driver starts the
  /// TLS handshake and calls tls_established().
  bool starttls_pending() const { return state_ == state::tls_wait; }
  /// Nothing more will be read; close once the output is sent.
  bool closing() const { return state_ == state::closed; }
  bool greeted() const { return greeted_; }
  bool in_tls() const { return in_tls_; }
  /// Bumped whenever the HELO name or MAIL FROM changes, for the lookups.
  uint32_t helo_seq() const { return helo_seq_; }
  uint32_t mail_seq() const { return mail_seq_; }

  const listen_dialogue& dialogue() const { return d_; }

 private:
  enum class state : uint8_t { open, rcpt_wait, tls_wait, closed };

  void process(int64_t now_ms);
  void command(std::string_view line, int64_t now_ms);
  /// Counts a command line (a long one too); past max_commands: 421, closed.
  bool count_command(int64_t now_ms);
  void reply(std::string_view text);
  void violation(std::string_view what);
  void cut(std::string_view what);
  /// Drops input up to the next LF (a line past max_line, or the one the
  /// early-input cap cut); marks "line" and line_too_long at once.
  void start_skipping();
  void close(std::string_view end, int64_t now_ms);
  std::string keep(std::string_view text);

  responder_config config_;
  listen_dialogue d_;
  state state_ = state::open;
  bool greeted_ = false;
  bool in_tls_ = false;
  bool helo_done_ = false;     // EHLO/HELO since the greeting or TLS (RFC 3207 §4.2)
  bool ehlo_seen_ = false;     // EHLO (not HELO) since the last reset: pipelining offered
  bool skipping_line_ = false;  // inside a line past max_line: drop up to its LF
  bool early_cut_ = false;      // input before the greeting was cut at max_line
  bool in_transaction_ = false;
  bool input_ended_ = false;    // EOF seen: answer what is buffered, then close
  uint32_t helo_seq_ = 0;
  uint32_t mail_seq_ = 0;
  std::string in_;
  std::string out_;
};

}  // namespace ptrscan
