#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "dns/dns_status.h"
#include "dns/wire.h"  // normalise_name, same_name, read_name

namespace ptrscan {

inline constexpr uint16_t dns_type_a = 1;
inline constexpr uint16_t dns_type_cname = 5;
inline constexpr uint16_t dns_type_ptr = 12;
inline constexpr uint16_t dns_type_mx = 15;
inline constexpr uint16_t dns_type_txt = 16;
inline constexpr uint16_t dns_type_aaaa = 28;

/// Longest CNAME chain followed inside one answer and across re-queries.
inline constexpr int max_cname_hops = 8;

/// Most PTR names kept from one answer (`ptr.names`); the rest are counted
/// (`names_total`), not kept. A 64 KiB TCP answer holds ~3,800 names: what
/// one host costs must not follow what its peer chooses to send.
inline constexpr size_t max_ptr_names = 32;

/// One MX record (RFC 1035 §3.3.9).
struct mx_record {
  uint16_t preference = 0;
  /// Lower-case, escaped text form, no trailing dot; empty for the root (".").
  std::string exchange;
};

/// What ptrscan takes from one DNS response: the records of the asked type
/// that belong to the asked name, following CNAMEs inside the answer section
/// (RFC 2317 classless PTR delegation, forward and SPF CNAME chains). Which
/// member is filled depends on the type asked for.
struct dns_reply {
  dns_status status = dns_status::error;
  /// Why status is error, when it is: "malformed", "oversized", "transport",
  /// ... (the static strings of dns_reason); empty otherwise.
  std::string_view reason;
  /// PTR targets: lower-case, escaped text form, no trailing dot; distinct
  /// and in canonical (byte-wise sorted) order, at most max_ptr_names of
  /// them: the first ones in that order, so which names are kept never
  /// depends on the order the server sent the RR set in.
  std::vector<std::string> names;
  /// How many distinct PTR names the answer held (names.size() unless the
  /// cap cut them).
  uint32_t names_total = 0;
  /// A / AAAA.
  std::vector<ip_address> addrs;
  /// TXT: one entry per record, its character-strings concatenated with
  /// nothing in between (RFC 7208 §3.3: a record split into several strings
  /// is read as if they were one). Raw bytes, not validated as text.
  std::vector<std::string> texts;
  /// MX: in answer order (the caller sorts by preference if it cares).
  std::vector<mx_record> mx;
  /// The MX set is exactly one "0 ." record: the domain accepts no mail
  /// (RFC 7505 §3). `mx` still holds that record.
  bool null_mx = false;
  /// Set when the chain ends in a CNAME whose target has no records of the
  /// type in this answer: the caller asks again for this name.
  std::string dangling_cname;
  /// When a CNAME chain inside the answer led to the records: the name that
  /// owns them (an RFC 2317 delegation's "5.0-25.2.0.192.in-addr.arpa");
  /// empty when the asked name owns them.
  std::string answer_owner;
  uint8_t cname_hops = 0;

  void clear();
};

/// The fixed part of one resource record (RFC 1035 §4.1.3) and where its
/// rdata lies in the packet.
struct dns_record_header {
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;  // as sent (RFC 2181 §8's top bit is the reader's)
  size_t rdata = 0;  // offset of the rdata
  uint16_t rdlength = 0;
};

/// The one walk over a response's sections, shared by parse_reply and the
/// answer cache: the offset just past the question section (QDCOUNT
/// entries, each a name read_name accepts and its type and class), or 0
/// when the packet is shorter than a header or a question runs off it.
size_t skip_question_section(std::span<const uint8_t> packet);

/// Reads the record at `pos` (its owner name into `*owner` when not null,
/// as read_name renders it). Returns the offset just past the record, or 0
/// when its owner name is malformed or the record or its rdata runs off the
/// packet.
size_t read_record(std::span<const uint8_t> packet, size_t pos, std::string* owner,
                   dns_record_header& out);

/// Parses a response to `qname`/`qtype` (any of PTR, A, AAAA, TXT, MX).
/// Untrusted bytes: every length is checked against the packet and the
/// record's rdata, and every name goes through read_name (one set of limits;
/// compression loops cut).
///
/// The rcode decides the failure statuses (NXDOMAIN, SERVFAIL, REFUSED; any
/// other non-zero rcode is error/"rcode"). NOERROR without a matching record
/// is nodata, with `dangling_cname` set when a CNAME chain ends early. A
/// response that breaks the format is error/"malformed", never an answer
/// status: a header, question or answer record running off the packet, an
/// unreadable owner name, and any record on the CNAME chain that cannot be
/// read (a CNAME target, or a record of the asked type: a PTR or MX name that
/// loops, uses an obsolete label type or does not end with its rdata, an A
/// or AAAA of the wrong length, TXT strings that do not fill their rdata).
/// A damaged record thus never hides among good ones, which for SPF would
/// change the verdict and for PTR would claim the name has none.
void parse_reply(std::span<const uint8_t> packet, std::string_view qname, uint16_t qtype,
                 dns_reply& out);

}  // namespace ptrscan
