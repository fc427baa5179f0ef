#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply_parser.h"
#include "tls/tls_client.h"

namespace ptrscan {

class json_writer;

/// Outcome of one SMTP session (output contract `smtp[].status`).
/// `stopped` is the scanner's, never the server's: the first SIGINT/SIGTERM
/// ended the session after --stop-grace, or came before it started.
enum class smtp_status : uint8_t { ok, refused, timeout, reset, rejected, error, stopped };
inline constexpr int smtp_status_count = 7;
std::string_view to_string(smtp_status s);

/// Maps a negative errno from connect/recv/send to the closed status set:
/// the one place where socket errors become statuses.
smtp_status smtp_status_from_errno(int err);

/// Verdict of the opt-in open-relay test (output contract
/// `smtp[].relay.status`): how the server answered RCPT TO for a domain that
/// is not its own, or MAIL FROM when that already decided.
enum class relay_status : uint8_t {
  untested,  // the session ended before a MAIL or RCPT reply decided
  open,      // RCPT 2xx: it would relay
  closed,    // RCPT 5xx, or MAIL 5xx
  tempfail,  // RCPT 4xx, or MAIL 4xx
};
inline constexpr int relay_status_count = 4;
std::string_view to_string(relay_status s);
/// How much a port's relay verdict says about the host (one open port makes
/// an open relay; a temporary refusal says less than a refusal): open 3,
/// tempfail 2, closed 1, untested 0.
constexpr int relay_rank(relay_status r) {
  switch (r) {
    case relay_status::open:
      return 3;
    case relay_status::tempfail:
      return 2;
    case relay_status::closed:
      return 1;
    case relay_status::untested:
      break;
  }
  return 0;
}

/// Why a relay test is `untested` (output contract `smtp[].relay.reason`).
enum class relay_untested_reason : uint8_t {
  protocol_violation,  // the dialogue broke the pairing of replies (smtp[].violations)
  session_ended,       // the session ended before a MAIL or RCPT reply decided
  scan_stopped,        // the scan was stopped (smtp[].status stopped) before a reply decided
};
std::string_view to_string(relay_untested_reason r);

/// A protocol violation: bytes from the server that answer no command, or a
/// reply that cannot be the answer to the command it follows (output
/// contract `smtp[].violations`, a closed set). A session with any of these
/// never yields a relay verdict: its replies may be paired with the wrong
/// commands.
enum class smtp_violation : uint8_t {
  early_talker,       // bytes after the greeting, before EHLO was sent (a second greeting)
  unsolicited_reply,  // bytes after a reply, before the next command was sent
                      // (extra "250 ok" lines, or text after STARTTLS's 220)
  unexpected_code,    // a reply with no code, a 1xx or 3xx code, or a 2xx other than
                      // the command's success code (220 to EHLO, 250 to STARTTLS ...)
};
inline constexpr int smtp_violation_count = 3;
std::string_view to_string(smtp_violation v);

/// A reply of the relay test as recorded: its code and its first line of
/// text, capped at max_text bytes.
struct relay_reply {
  static constexpr size_t max_text = 256;

  bool received = false;
  int code = 0;  // 0: the reply had no code (garbage)
  std::string text;
  bool truncated = false;  // text was cut at max_text
};

/// A greeting that took this long after the connection (ms.banner) is
/// recorded as a greet pause (smtp[].greet_pause): Sendmail's greet_pause,
/// an Exim ACL delay before the banner, a tarpit. 2 s is past any path's
/// round trip here and below the 5 s such features use.
inline constexpr double greet_pause_ms = 2000;

/// Everything one session learned; owned by the host job, filled in by the
/// session, serialised when the host is finished.
struct smtp_result {
  uint16_t port = 0;
  smtp_status status = smtp_status::error;
  std::string error;  // detail text for error (and where a timeout struck)

  bool has_banner = false;
  std::string banner;       // greeting as received, final CRLF removed, capped
  bool banner_truncated = false;  // the greeting hit the reply cap and was cut
  std::string banner_host;  // host named by the greeting ("" when none)

  bool has_ehlo = false;
  bool helo = false;  // EHLO was refused and HELO answered instead
  ehlo_info ehlo;

  bool tls_attempted = false;  // STARTTLS accepted (or port 465)
  bool tls_unadvertised = false;  // STARTTLS sent though EHLO did not list it
  bool tls_ok = false;
  tls_info tls;
  std::string tls_error;
  /// The failed upgrade was ptrscan's own failure, not the server's: no TLS
  /// context, the TLS library could not set the session up, or our
  /// deadline ran out during the handshake (receiver-policy `tls` unknown).
  bool tls_local_error = false;
  bool has_ehlo_tls = false;
  ehlo_info ehlo_tls;

  /// The relay test ran in this session (--probes relay): only then is
  /// `relay` written, untested or not.
  bool relay_enabled = false;
  relay_status relay = relay_status::untested;
  relay_reply relay_mail;  // the reply to MAIL FROM
  relay_reply relay_rcpt;  // the reply to RCPT TO

  /// smtp_violation bits seen in this session.
  uint8_t violations = 0;
  void add_violation(smtp_violation v) { violations |= uint8_t(1u << static_cast<unsigned>(v)); }
  bool has_violation(smtp_violation v) const {
    return (violations & (1u << static_cast<unsigned>(v))) != 0;
  }
  /// Why `relay` is untested (meaningful only then).
  relay_untested_reason untested_reason() const {
    return violations != 0              ? relay_untested_reason::protocol_violation
           : status == smtp_status::stopped ? relay_untested_reason::scan_stopped
                                            : relay_untested_reason::session_ended;
  }

  // Milliseconds per phase; negative = the phase did not complete.
  double ms_connect = -1;
  double ms_banner = -1;
  double ms_ehlo = -1;
  double ms_tls = -1;
  double ms_relay = -1;  // MAIL sent to the last relay-test reply (MAIL's, or RCPT's)
  double ms_total = -1;

  void clear();
  /// Writes this entry as one JSON object. `ptr_names` decide tls.name_match
  /// together with the banner host.
  void write_json(json_writer& w, std::span<const std::string> ptr_names) const;
};

}  // namespace ptrscan
