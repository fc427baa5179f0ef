#pragma once

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
enum class smtp_status : uint8_t { ok, refused, timeout, reset, rejected, error };
inline constexpr int smtp_status_count = 6;
std::string_view to_string(smtp_status s);

/// Maps a negative errno from connect/recv/send to the closed status set:
/// the one place where socket errors become statuses.
smtp_status smtp_status_from_errno(int err);

/// Everything one session learned; owned by the host job, filled in by the
/// session, serialised when the host is finished.
struct smtp_result {
  uint16_t port = 0;
  smtp_status status = smtp_status::error;
  std::string error;  // detail text for error (and where a timeout struck)

  bool has_banner = false;
  std::string banner;       // greeting as received, final CRLF removed, capped
  std::string banner_host;  // host named by the greeting ("" when none)

  bool has_ehlo = false;
  bool helo = false;  // EHLO was refused and HELO answered instead
  ehlo_info ehlo;

  bool tls_attempted = false;  // STARTTLS accepted (or port 465)
  bool tls_ok = false;
  tls_info tls;
  std::string tls_error;
  bool has_ehlo_tls = false;
  ehlo_info ehlo_tls;

  // Milliseconds per phase; negative = the phase did not complete.
  double ms_connect = -1;
  double ms_banner = -1;
  double ms_ehlo = -1;
  double ms_tls = -1;
  double ms_total = -1;

  void clear();
  /// Writes this entry as one JSON object. `ptr_names` decide tls.name_match
  /// together with the banner host.
  void write_json(json_writer& w, std::span<const std::string> ptr_names) const;
};

}  // namespace ptrscan
