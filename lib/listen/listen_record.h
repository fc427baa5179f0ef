#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "listen/responder.h"
#include "output/json_writer.h"
#include "probes/client_identity.h"

namespace ptrscan {

/// What the loop knows of a session besides its dialogue and checks.
/// Milliseconds since accept; -1: did not happen.
struct session_facts {
  std::string ts;
  std::string client;
  uint16_t client_port = 0;
  std::string local;
  bool tls_started = false;
  /// STARTTLS was offered to this client (an EHLO reply listed it).
  bool tls_offered = false;
  std::string tls_version;
  std::string tls_cipher;
  std::string tls_sni;
  std::string tls_error;
  std::string verdict;  // the last RCPT reply's
  bool verdict_timeout = false;
  int64_t ms_tls = -1;
  int64_t ms_ptr = -1;
  int64_t ms_fcrdns = -1;
  int64_t ms_verdict = -1;
  int64_t ms_total = -1;
};

/// Receiver-policy verdicts plug in here (listener_config::policy): called
/// for every session record after the identity sections; writes members of
/// its own.
using listen_policy = std::function<void(const session_facts&, const listen_dialogue&,
                                         const client_identity&, json_writer&)>;

/// The `policy` section of a listen record: evaluate_policy() on the
/// client's evidence (client_identity::evidence()) with the session's TLS.
/// `ptrscan listen` sets it as listener_config::policy.
void write_listen_policy(const session_facts& s, const listen_dialogue& d,
                         const client_identity& id, json_writer& w);

/// One session's record, one NDJSON line (README, Listen).
void write_session_record(json_writer& w, const session_facts& s, const listen_dialogue& d,
                          const client_identity& id, const listen_policy& policy);

/// The record of a connection refused at accept: `end` "refused" with the
/// cap in `reason` ("sessions" or "per_subnet"), or "shutdown" (accepted
/// after the stop began; `reason` empty: no cap).
void write_refused_record(json_writer& w, std::string_view ts, std::string_view client,
                          uint16_t client_port, std::string_view local, std::string_view end,
                          std::string_view reason);

/// Every member of a listener record, as `ptrscan listen --list-fields`
/// prints it: "name\ttype\thelp" lines.
std::string listen_fields_text();

}  // namespace ptrscan
