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

/// Compression pointers one name may follow: far more than any honest
/// message needs, few enough that a pointer loop ends at once.
inline constexpr int max_name_jumps = 64;

/// How read_name renders a name.
enum class name_form : uint8_t {
  /// A name inside a message: compression pointers followed, letters
  /// lower-cased (the form names take in the output and in comparisons).
  message,
  /// A name on its own (decode_name): no compression, letter case kept.
  verbatim,
};

/// The one decoder of DNS names (RFC 1035 §3.1, §4.1.4), used for questions,
/// owner names, CNAME targets and PTR/MX rdata alike. Reads the name at `pos`
/// of `message` into escaped text without the root dot (empty for the root):
/// '.' and '\' inside a label as \. and \\, octets outside 0x21..0x7e as
/// \DDD, so a label can never smuggle a dot. Returns the offset just past
/// the name where it starts, or 0 when it is malformed: out of the message,
/// over 255 octets (RFC 1035 §2.3.4, so every name handed out can be asked
/// again), an obsolete 0x40/0x80 label type (RFC 6891 §5), a pointer in
/// name_form::verbatim, or a pointer chain longer than max_name_jumps (how a
/// loop ends). `text` may be null to only skip the name.
size_t read_name(std::span<const uint8_t> message, size_t pos, std::string* text,
                 name_form form = name_form::message);

/// Decodes the uncompressed wire name at the start of `wire` to presentation
/// form, case kept (read_name with name_form::verbatim); "." for the root.
/// Empty on malformed input.
std::string decode_name(std::span<const uint8_t> wire);

/// Lower-cases ASCII and strips the root dot (a trailing dot that is not
/// escaped, see strip_root_dot): the form names take in the output and in
/// every comparison.
std::string normalise_name(std::string_view name);

/// Case-insensitive comparison of two DNS names, ignoring the root dot.
bool same_name(std::string_view a, std::string_view b);

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
/// name, both read by read_name, so compared case-insensitively; same type
/// and class): the check that
/// makes an answer with a guessed ID but another question worthless
/// (RFC 5452 §4.2).
bool question_matches(std::span<const uint8_t> response, std::span<const uint8_t> query);

}  // namespace ptrscan
