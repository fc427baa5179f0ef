#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  /// The line was longer than the report reads (line_reader::max_line_bytes):
  /// only its `ip` is known. Counted and shown as a host whose verdict is
  /// unknown, never dropped: a hostile range must not vanish from the audit.
  bool oversized = false;
};

/// The map colour of a scanned host: its FCrDNS verdict, or what the PTR
/// lookup alone says when FCrDNS was not run.
map_verdict verdict_of(const host_facts& host);

/// One line of input, understood.
struct parsed_record {
  enum class kind : uint8_t {
    host,            ///< a per-address record: `host` is filled in
    domain_summary,  ///< a record with `domain` and no `ip` (one per domain target)
    bad,             ///< not a record: `error` says why
  };
  kind what = kind::bad;
  host_facts host;
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
