#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dns/answer_cache.h"
#include "dns/udp_resolver.h"
#include "listen/listen_record.h"
#include "listen/responder.h"
#include "output/json_writer.h"
#include "output/output_sink.h"
#include "probes/client_identity.h"
#include "tls/tls_server.h"

namespace ptrscan {

struct listener_config {
  /// "IP:PORT" / "[IPv6]:PORT" to listen on; port 0 picks a free one (the
  /// `ready` callback says which).
  std::vector<std::string> addresses;
  responder_config responder;
  /// STARTTLS certificate (null: STARTTLS not offered). Set
  /// responder.tls_available to match.
  const tls_server_context* tls = nullptr;
  identity_limits identity;
  /// DNS transport settings (servers resolved by the caller).
  udp_resolver_options dns;
  /// Each event loop's DNS answer cache (max_entries 0: none, every
  /// lookup is sent).
  answer_cache_options dns_cache;
  /// The greeting is held this long (0: sent at once); bytes the client
  /// sends before it make it an early talker.
  int greet_delay_ms = 0;
  /// The whole session; then 421 and close (`end` "timeout").
  int session_timeout_ms = 60'000;
  /// How long a RCPT reply waits for the lookups; then the verdict names
  /// what is still running as "timeout".
  int verdict_wait_ms = 5'000;
  /// Event loops, each with its own ring, DNS channel and sessions, on
  /// listening sockets of their own bound to the same addresses with
  /// SO_REUSEPORT (the kernel spreads connections over them). The caps
  /// below and max_records hold for all of them together.
  uint32_t threads = 1;
  /// Sessions open at once, and per client /24 (IPv6 /64); a connection
  /// past either is answered 421 and recorded with `end` "refused".
  uint32_t max_sessions = 1000;
  uint32_t per_subnet = 10;
  /// Stop after this many records (0: run until a signal).
  uint64_t max_records = 0;
  /// Handle SIGINT/SIGTERM (a signalfd on every loop's ring; whichever
  /// loop reads a signal raises the stop level for all): the first closes
  /// the listening sockets and ends every session with 421, waits for their
  /// lookups and writes their records; a second one stops at once, every
  /// loop writing what it has open.
  bool handle_signals = true;
  /// Receiver-policy verdicts (Postfix restrictions, generic-rDNS rules,
  /// bulk-sender requirements) plug in here: called for every record of a
  /// session, after the identity sections, with what the client did and
  /// what the checks found; it writes its own members (e.g. "policy").
  /// Unset: none.
  listen_policy policy;
  /// Called once the sockets listen, with their "IP:PORT" addresses.
  std::function<void(const std::vector<std::string>&)> ready;
};

struct listener_stats {
  uint64_t accepted = 0;
  uint64_t records = 0;
  uint64_t refused = 0;  // over max_sessions or per_subnet
  /// Times a loop stopped accepting for accept_pause_ms because the
  /// process or system was out of descriptors (EMFILE, ENFILE) or memory;
  /// the connections wait in the listen backlog meanwhile.
  uint64_t accept_pauses = 0;
  /// Connections reset before their address could be read (getpeername
  /// failed): closed with no record, since a record needs the client.
  uint64_t unrecorded = 0;
  int signal = 0;        // the signal that stopped it, 0 if none
  /// Connections each event loop accepted (listener_config::threads).
  std::vector<uint64_t> accepted_per_thread;
  /// DNS queries put on the wire (retries included), over every loop.
  uint64_t dns_queries = 0;
  /// The loops' answer caches, added up.
  answer_cache_stats dns_cache;
};

/// `ptrscan listen`: an SMTP responder on `threads` io_urings (multishot
/// accept, one receive or send per session at a time, deadlines in FIFOs),
/// each with the shard's DNS transport, writing one record per connection
/// to `sink`. Runs until max_records, a signal, or an error (which stops
/// every loop).
absl::Status run_listener(const listener_config& config, output_sink& sink,
                          listener_stats* stats);

}  // namespace ptrscan
