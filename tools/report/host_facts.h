#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/rdns_class.h"
#include "net/ip_address.h"

namespace ptrscan::report {

/// What the PTR lookup found (`ptr.status` folded to what an audit counts).
enum class ptr_outcome : uint8_t {
  not_run,       ///< no `ptr` object: the probe was not run
  found,         ///< `ok`: at least one name
  absent,        ///< `nxdomain` or `nodata`: the address has no PTR
  lookup_error,  ///< `servfail`, `refused`, `timeout`, `error`: unknown
};

/// `fcrdns.status`.
enum class fcrdns_outcome : uint8_t { not_run, pass, fail, none, error };

/// The colour of one address on the map, in the order of the legend.
enum class map_verdict : uint8_t {
  not_scanned,  ///< no record for the address
  pass,         ///< FCrDNS pass
  fail,         ///< FCrDNS fail: a PTR name that does not resolve back
  no_ptr,       ///< no PTR name
  error,        ///< a lookup failed, the verdict is unknown
  unchecked,    ///< scanned without FCrDNS (e.g. `--probes ptr`) and a PTR found
};
inline constexpr int map_verdict_count = 6;

/// "not-scanned", "pass", "fail", "no-ptr", "error", "unchecked": the keys the
/// page uses in ids, classes and data attributes.
std::string_view to_string(map_verdict v);

/// One verdict of a record's `policy` section (README "Receiver policy").
struct policy_fact {
  std::string set;     ///< "postfix", "generic_rdns", ...
  std::string rule;    ///< "reject_unknown_client_hostname", ...
  std::string result;  ///< "pass", "fail", "unknown" (anything else is counted as other)
  std::string fix;     ///< what to change (a fail's), at most max_fix_bytes
  static constexpr size_t max_fix_bytes = 512;
};

/// One `dnsbl[]` entry (README "DNS blocklists").
struct dnsbl_fact {
  std::string zone;
  std::string status;  ///< listed, not_listed, error (or what a newer ptrscan writes)
  std::vector<std::string> codes;
  std::string reason;  ///< the TXT reason of a listing, or `error` of a failed lookup
};

/// One `smtp[]` entry's certificate (`tls.not_after`, README "Output").
struct cert_fact {
  uint16_t port = 0;
  std::string not_after;   ///< RFC 3339 as written
  std::string first_name;  ///< the first of `tls.cert_names`
};

/// One `smtp[]` entry's `violations`.
struct violation_fact {
  uint16_t port = 0;
  std::vector<std::string> kinds;
};

/// The part of one output record (DESIGN.md, "Output record") that the
/// report counts. Fields of probes that were not run keep their defaults.
struct host_facts {
  ip_address ip;
  ptr_outcome ptr = ptr_outcome::not_run;
  /// The primary PTR name (`rdns.name`, else the first of `ptr.names`), shown
  /// as a sample of a network's naming and beside banner mismatches.
  std::string ptr_name;
  fcrdns_outcome fcrdns = fcrdns_outcome::not_run;
  /// `rdns.class`; nullopt without an `rdns` object or with a class this
  /// version does not know (then `naming_unknown` is set).
  std::optional<rdns_class> naming;
  bool naming_unknown = false;
  bool smtp_probed = false;  ///< an `smtp` array is present
  bool smtp_ok = false;      ///< some port answered with status `ok`
  /// Among the `ok` ports: STARTTLS in the EHLO extensions, or a `tls` object
  /// (port 465 speaks TLS from the start).
  bool starttls_offered = false;
  /// Among the `ok` ports: a TLS session was established (`tls.version`
  /// without `tls.error`).
  bool tls_negotiated = false;
  /// `banner_host` of the first `ok` port, shown beside banner mismatches.
  std::string banner_host;
  std::optional<bool> banner_ptr_match;  ///< `checks.banner_ptr_match`; nullopt: null or absent
  std::optional<bool> ehlo_ptr_match;    ///< `checks.ehlo_ptr_match`

  // Mail facts (README "Domain targets", "Open-relay test", "DNS blocklists").
  std::string input;    ///< the domain target the address came from; "" for an address target
  std::string mx_host;  ///< `mx.host`
  std::string spf_result;  ///< `spf.result`; "" without an `spf` object
  std::string spf_mechanism;
  std::string spf_detail;  ///< `spf.reason`, else `spf.explanation`
  std::vector<dnsbl_fact> dnsbl;
  std::string relay_status;  ///< the record's `relay.status`; "" without the relay probe
  std::string relay_reason;
  uint16_t relay_port = 0;
  std::vector<violation_fact> violations;  ///< ports with `violations`
  std::vector<cert_fact> certs;            ///< ports whose TLS gave a `not_after`
  // Sender identities (README "Sender identities"): "" when the record has
  // no `sender`; "(no result)" for a member without a result.
  bool sender = false;
  std::string sender_mailfrom;      ///< `sender.spf_mailfrom.result`
  std::string sender_helo_spf;      ///< `sender.spf_helo.result`; "" without a HELO
  std::string sender_helo_verdict;  ///< `sender.helo_rules.verdict`; "" without a HELO
  /// `policy` (README "Receiver policy"), at most max_policy_facts verdicts.
  bool has_policy = false;
  std::vector<policy_fact> policy;
  static constexpr size_t max_policy_facts = 64;
  std::string ts;  ///< the record's `ts` (RFC 3339) where the scanner writes one
  /// The line was longer than the report reads (line_reader::max_line_bytes):
  /// only its `ip` is known. Counted and shown as a host whose verdict is
  /// unknown, never dropped: a hostile range must not vanish from the audit.
  bool oversized = false;
};

/// One `findings[]` entry of a domain summary.
struct finding_fact {
  std::string code;
  std::string host;
  std::string ip;
  /// The entry's `status`, `result`, `detail` and `count`, as "key value" text.
  std::string detail;
};

/// The part of a domain summary record (README "Domain targets") the report
/// shows.
struct domain_facts {
  std::string domain;
  std::string mx_status;
  std::string spf_status;
  std::vector<std::string> spf_records;
  std::vector<finding_fact> findings;
  uint64_t addresses_probed = 0;
  std::string ts;
};

/// True for the finding codes of the SPF lint (README "Domain targets").
bool is_spf_lint(std::string_view code);

/// The map colour of a scanned host: its FCrDNS verdict, or what the PTR
/// lookup alone says when FCrDNS was not run.
map_verdict verdict_of(const host_facts& host);

/// A zone record (probe zone): what the page's zone section shows.
struct zone_fact {
  std::string zone;
  std::string status;                  ///< ok | error
  std::string error;
  std::vector<std::string> findings;   ///< the kinds, in record order
  uint64_t scanned = 0;
  uint64_t with_ptr = 0;
  std::string main_template;           ///< the first template, if any
};

/// One line of input, understood.
struct parsed_record {
  enum class kind : uint8_t {
    host,            ///< a per-address record: `host` is filled in
    domain_summary,  ///< a record with `domain` and no `ip` (one per domain target)
    zone,            ///< a record with "type":"zone" (probe zone): `zone` is filled in
    bad,             ///< not a record: `error` says why
  };
  kind what = kind::bad;
  host_facts host;
  domain_facts domain;  ///< kind domain_summary
  zone_fact zone;       ///< kind zone
  std::string error;
};

/// Parses one NDJSON line. Never throws: malformed JSON, a value that is not
/// an object, or an object with neither a valid `ip` nor a `domain` is `bad`.
/// Optional fields of an unexpected type are ignored rather than fatal, so a
/// record from a newer ptrscan with extra or changed fields still counts.
parsed_record parse_record(std::string_view line);

/// A host record from the head of a line too long to read whole: the `ip`
/// member among its first bytes (ptrscan writes it first) makes it a host
/// with `oversized` set; without one it is `bad`.
parsed_record parse_oversized_head(std::string_view head);

}  // namespace ptrscan::report
