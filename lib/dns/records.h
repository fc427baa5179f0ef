#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "dns/answer.h"
#include "dns/dns_status.h"

namespace ptrscan {

inline constexpr uint16_t dns_type_mx = 15;
inline constexpr uint16_t dns_type_txt = 16;

/// One MX record (RFC 1035 §3.3.9).
struct mx_record {
  uint16_t preference = 0;
  /// Lower-case, escaped text form, no trailing dot; empty for the root (".").
  std::string exchange;
};

/// The records of one type that belong to the asked name in one response,
/// CNAMEs inside the answer section followed as parse_answer does. Which
/// member is filled depends on the type asked for.
struct dns_records {
  dns_status status = dns_status::error;
  /// TXT: one entry per record, its character-strings concatenated with
  /// nothing in between (RFC 7208 §3.3: a record split into several strings
  /// is read as if they were one). Raw bytes, not validated as text.
  std::vector<std::string> texts;
  /// MX: in answer order (the caller sorts by preference if it cares).
  std::vector<mx_record> mx;
  /// A / AAAA.
  std::vector<ip_address> addrs;
  /// The set is exactly one "0 ." record: the domain accepts no mail
  /// (RFC 7505 §3). `mx` still holds that record.
  bool null_mx = false;
  /// Set when the chain ends in a CNAME whose target has no records of the
  /// type in this answer: the caller asks again for this name.
  std::string dangling_cname;
  uint8_t cname_hops = 0;

  void clear();
};

/// Parses a response to `qname`/`qtype` (TXT, MX, A or AAAA; A and AAAA go
/// through parse_answer). Untrusted bytes: every length is checked against
/// the packet and the record's rdata, and name compression loops are cut.
/// A malformed record of the asked type on the CNAME chain makes the whole
/// answer an error rather than being skipped, so a damaged packet can never
/// hide one of several records (which for SPF would change the verdict).
/// The rcode decides the failure statuses; NOERROR without a matching record
/// is nodata (with `dangling_cname` set when a CNAME chain ends early).
void parse_records(std::span<const uint8_t> packet, std::string_view qname, uint16_t qtype,
                   dns_records& out);

}  // namespace ptrscan
