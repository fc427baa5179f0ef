#pragma once

// The probe table: every probe ptrscan has, in record order, with its
// command-line options. Adding a probe is one file pair here and one line in
// table.cc (see README "How to add a probe").

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scan/probe_api.h"
#include "smtp/session.h"

namespace CLI {
class App;
}

namespace ptrscan {

/// Which probes --probes selects. relay is opt-in: never in the default set.
struct probe_set {
  bool ptr = true;
  bool fcrdns = true;
  bool smtp = false;
  bool starttls = false;
  bool relay = false;
  bool zone = false;  // opt-in: the reverse-zone audit (implies ptr)
  /// --probes named smtp (or starttls, relay): only then are SMTP sessions
  /// made to sender identity targets (IP,DOMAIN[,HELO] lines).
  bool smtp_named = false;
  /// opt-in: the receiver-policy verdicts (`policy`) from the other
  /// probes' results; no traffic of its own.
  bool policy = false;
};

/// The reverse-zone audit's options (probe zone, lib/probes/zone.cc).
struct zone_options {
  /// Queries per second to one authoritative server address (--zone-ns-rate).
  uint32_t ns_rate = 10;
  /// One try's timeout (--zone-timeout, ms); UDP is tried twice, TCP once.
  int timeout_ms = 2000;
  /// The port authoritative servers are asked on (--zone-ns-port): 53;
  /// tests and simulators serve elsewhere.
  uint16_t ns_port = 53;
  /// Zones (and /24 or /64 groups) one shard keeps (--zone-max).
  uint32_t max_zones = 65536;
  /// Ask each server over TCP too (--zone-no-tcp turns it off).
  bool tcp = true;
};

/// What the command line says about the probes.
struct probe_options {
  probe_set set;
  /// PTR names whose A/AAAA are looked up (RFC 7208 §4.6.4 stops at 10 too).
  uint32_t max_forward_names = 32;  // every PTR name kept (max_ptr_names)
  /// --dnsbl: each address is looked up in these zones (RFC 5782).
  std::vector<std::string> dnsbl_zones;
  smtp_options smtp;
  zone_options zone;
  /// --max-sessions: SMTP sessions open at once across all shards; 0: one
  /// per port per host in flight (the scanner fits it to the open-files
  /// limit and splits it into max_sessions).
  uint32_t max_sessions_total = 0;
  /// SMTP sessions open at once per shard (each holds a socket).
  uint32_t max_sessions = 0;
  /// SMTP sessions at once per /24 (IPv6: /64); 0 = no limit.
  uint32_t per_subnet = 8;
  /// --smtp-helo-names: distinct hosts the greetings and EHLO replies of
  /// one address name whose HELO rules are looked up (A, AAAA, MX each).
  uint32_t max_helo_names = 4;
  /// --stop-grace: after the first SIGINT/SIGTERM, how long SMTP sessions
  /// already open may go on before they are ended as `stopped`.
  int stop_grace_ms = 2000;
  /// Hosts in flight per shard (the SMTP default above follows it).
  uint32_t max_inflight = 1000;
};

/// One line of the table.
struct probe_entry {
  std::string_view name;
  std::string_view summary;  // one line, for --list-fields
  /// Makes the probe, or null when the options leave it off.
  std::shared_ptr<probe> (*make)(const probe_options& o);
  /// Its --help group ("" for none) and the paragraph under the heading.
  std::string_view group;
  std::string_view group_text;
  /// Declares its options (lib/cli/options.h) into `o`; null for none.
  void (*add_flags)(CLI::App& app, probe_options& o);
};

/// The table, in record order.
std::span<const probe_entry> probe_table();

/// --probes LIST (into the current option group): which probes run.
void add_probe_selection(CLI::App& app, probe_set& set);

/// Every probe's --help group, heading text and options, in table order.
void add_probe_flags(CLI::App& app, probe_options& o);

/// The probes `o` turns on, in record order, with their counters declared
/// in `counters`.
probe_list make_probes(const probe_options& o, counter_registry& counters);

/// Every record field of every probe (--list-fields), whether on or off.
std::string list_fields();

}  // namespace ptrscan
