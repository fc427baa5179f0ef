#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ptrscan {

/// DNS wire-format pieces the ring transport needs to build queries and to
/// match responses to them (RFC 1035 §4.1). No allocation on these paths.

/// Longest encoded name (RFC 1035 §2.3.4) and longest query we build:
/// header, question, and one EDNS0 OPT record (RFC 6891 §6.1.2).
inline constexpr size_t max_wire_name = 255;
inline constexpr size_t dns_header_bytes = 12;
inline constexpr size_t max_query_bytes = dns_header_bytes + max_wire_name + 4 + 11;

/// `text` without its root dot: a final '.' that is not escaped, i.e. not
/// preceded by an odd run of backslashes. "a.b." -> "a.b" and "a\\." -> "a\\"
/// (a label ending in a backslash), while "a\." keeps its escaped dot.
std::string_view strip_root_dot(std::string_view text);

/// Encodes a presentation-format name ("7.0.18.198.in-addr.arpa", optional
/// trailing dot, RFC 1035 §5.1 escapes `\.` `\\` `\DDD`) as wire labels into
/// `out`. Returns the encoded length, or 0 when the name cannot be encoded
/// (empty label, label over 63 octets, name over 255, bad escape).
size_t encode_name(std::string_view text, std::span<uint8_t, max_wire_name> out);

/// Decodes the uncompressed wire name at the start of `wire` to presentation
/// form (escaping `.`, `\` and non-printable octets). Empty on malformed input.
std::string decode_name(std::span<const uint8_t> wire);

/// Writes a recursive query (RD set) for an encoded name into `out` and
/// returns its length. With `edns_udp_size` > 0 an OPT record advertises
/// that UDP payload size (RFC 6891), so longer PTR sets are not truncated.
size_t build_query(uint16_t id, std::span<const uint8_t> qname_wire, uint16_t qtype,
                   uint16_t edns_udp_size, std::span<uint8_t, max_query_bytes> out);

/// The fields of a response header that the transport looks at.
struct response_header {
  uint16_t id = 0;
  bool is_response = false;  // QR
  bool truncated = false;    // TC
  uint16_t qdcount = 0;
};
/// False when `packet` is shorter than a header.
bool read_header(std::span<const uint8_t> packet, response_header& out);

/// True when the response carries exactly the question of `query` (same
/// name, compared case-insensitively, same type and class): the check that
/// makes an answer with a guessed ID but another question worthless
/// (RFC 5452 §4.2).
bool question_matches(std::span<const uint8_t> response, std::span<const uint8_t> query);

}  // namespace ptrscan
