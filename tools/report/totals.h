#pragma once

#include <array>
#include <cstdint>

#include "checks/rdns_class.h"
#include "report/host_facts.h"

namespace ptrscan::report {

/// The page's headline numbers, over every host record (IPv4 and IPv6). Each
/// record counts once per line: an address that appears twice (from two
/// domains, or in two concatenated scans) is counted twice.
struct report_totals {
  uint64_t records = 0;  ///< host records (with an `ip`)
  uint64_t ipv4 = 0;
  uint64_t ipv6 = 0;
  uint64_t domain_summaries = 0;  ///< records with `domain` and no `ip`
  uint64_t zone_records = 0;         ///< records with "type":"zone" (probe zone)
  uint64_t zones_with_findings = 0;
  uint64_t zones_failed = 0;         ///< zone records with status error
  uint64_t bad_lines = 0;         ///< lines skipped: not a record
  uint64_t oversized = 0;  ///< host records longer than the report reads: kept, unread

  uint64_t ptr_probed = 0;  ///< records with a `ptr` object; the base of PTR coverage
  uint64_t ptr_found = 0;
  uint64_t ptr_absent = 0;
  uint64_t ptr_errors = 0;

  uint64_t fcrdns_probed = 0;  ///< records with an `fcrdns` object
  uint64_t fcrdns_pass = 0;
  uint64_t fcrdns_fail = 0;
  uint64_t fcrdns_none = 0;
  uint64_t fcrdns_error = 0;

  uint64_t naming_probed = 0;                       ///< records with an `rdns` object
  std::array<uint64_t, rdns_class_count> naming{};  ///< indexed by rdns_class
  uint64_t naming_unknown = 0;                      ///< classes this version does not know

  uint64_t smtp_probed = 0;       ///< records with an `smtp` array
  uint64_t smtp_ok = 0;           ///< hosts with a port whose session status is `ok`
  uint64_t starttls_offered = 0;  ///< of smtp_ok
  uint64_t tls_negotiated = 0;    ///< of smtp_ok

  uint64_t banner_match = 0;     ///< checks.banner_ptr_match == true
  uint64_t banner_mismatch = 0;  ///< checks.banner_ptr_match == false
  uint64_t ehlo_match = 0;
  uint64_t ehlo_mismatch = 0;

  std::array<uint64_t, map_verdict_count> verdicts{};  ///< indexed by map_verdict

  /// Counts one host record.
  void add(const host_facts& host);
};

}  // namespace ptrscan::report
