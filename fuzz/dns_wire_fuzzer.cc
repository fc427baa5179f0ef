// The DNS wire helpers the ring transport builds queries with and matches
// responses by. The input is read three ways: as a presentation-format name
// (what encode_name gets: reverse names, PTR targets, CNAME targets from
// earlier answers), as wire bytes (what decode_name gets), and as a response
// whose question is checked against a query.
//
// Oracles:
//  - encode_name output is a well-formed wire name of at most 255 octets;
//    decoding it and encoding the text again gives the same bytes, and the
//    absolute form ("name.") encodes like the relative one;
//  - decode_name output encodes back to exactly the bytes it came from;
//  - a response echoing the query's question (in any letter case) matches,
//    one with another type does not; read_header never reads past the end;
//  - question_matches (which walks wire labels) says what comparing the two
//    questions' read_name texts, types and classes says, on any bytes.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/wire.h"
#include "fuzz_check.h"

namespace {

using ptrscan::max_wire_name;
using name_buffer = std::array<uint8_t, max_wire_name>;

char flip_case(char c) {
  if (c >= 'a' && c <= 'z') {
    return static_cast<char>(c - 'a' + 'A');
  }
  if (c >= 'A' && c <= 'Z') {
    return static_cast<char>(c - 'A' + 'a');
  }
  return c;
}

// Labels of an encoded name: lengths 1..63 then the root, nothing after.
void check_wire_name(std::span<const uint8_t> wire) {
  FUZZ_CHECK(!wire.empty() && wire.size() <= max_wire_name);
  size_t pos = 0;
  while (wire[pos] != 0) {
    FUZZ_CHECK(wire[pos] <= 63);
    pos += 1 + wire[pos];
    FUZZ_CHECK(pos < wire.size());
  }
  FUZZ_CHECK(pos + 1 == wire.size());
}

void check_text(std::string_view text) {
  name_buffer wire{};
  const size_t len = ptrscan::encode_name(text, wire);
  if (len == 0) {
    return;
  }
  const std::span<const uint8_t> encoded(wire.data(), len);
  check_wire_name(encoded);

  const std::string decoded = ptrscan::decode_name(encoded);
  FUZZ_CHECK(!decoded.empty());
  name_buffer again{};
  const size_t len2 = ptrscan::encode_name(decoded, again);
  FUZZ_CHECK(len2 == len && std::equal(wire.begin(), wire.begin() + len, again.begin()));

  // "name." is the absolute form of "name" (decoded text never has the
  // final dot, except for the root itself).
  if (decoded != ".") {
    name_buffer absolute{};
    const size_t len3 = ptrscan::encode_name(decoded + ".", absolute);
    FUZZ_CHECK(len3 == len && std::equal(wire.begin(), wire.begin() + len, absolute.begin()));
  }

  // The query for this name matches a response that echoes its question,
  // whatever the letter case, and no response asking another type.
  std::array<uint8_t, ptrscan::max_query_bytes> query{};
  const uint16_t qtype = len % 2 == 0 ? 12 : 28;
  const size_t qlen = ptrscan::build_query(0x1234, encoded, qtype, len % 3 == 0 ? 0 : 1232, query);
  FUZZ_CHECK(qlen <= query.size());
  const std::span<const uint8_t> q(query.data(), qlen);
  std::vector<uint8_t> response(query.begin(), query.begin() + static_cast<ptrdiff_t>(qlen));
  response[2] |= 0x80;  // QR
  FUZZ_CHECK(ptrscan::question_matches(response, q));
  for (size_t i = ptrscan::dns_header_bytes; i < ptrscan::dns_header_bytes + len; ++i) {
    response[i] = static_cast<uint8_t>(flip_case(static_cast<char>(response[i])));
  }
  FUZZ_CHECK(ptrscan::question_matches(response, q));
  response[ptrscan::dns_header_bytes + len + 1] ^= 1;  // the type's low byte
  FUZZ_CHECK(!ptrscan::question_matches(response, q));
  // A response cut inside its question cannot match.
  FUZZ_CHECK(!ptrscan::question_matches(
      std::span<const uint8_t>(response.data(), ptrscan::dns_header_bytes + len + 3), q));

  ptrscan::response_header h;
  FUZZ_CHECK(ptrscan::read_header(response, h) && h.id == 0x1234 && h.is_response &&
             h.qdcount == 1);
}

void check_wire(std::span<const uint8_t> bytes) {
  const std::string text = ptrscan::decode_name(bytes);
  if (text.empty()) {
    return;
  }
  name_buffer wire{};
  const size_t len = ptrscan::encode_name(text, wire);
  FUZZ_CHECK(len != 0 && len <= bytes.size());
  FUZZ_CHECK(std::equal(wire.begin(), wire.begin() + len, bytes.begin()));
}

/// question_matches' contract spelled out with read_name's texts.
bool questions_equal_as_text(std::span<const uint8_t> response, std::span<const uint8_t> query) {
  if (response.size() < ptrscan::dns_header_bytes || query.size() < ptrscan::dns_header_bytes ||
      (response[4] << 8 | response[5]) != 1) {
    return false;
  }
  std::string want;
  std::string got;
  const size_t want_end = ptrscan::read_name(query, ptrscan::dns_header_bytes, &want);
  const size_t got_end = ptrscan::read_name(response, ptrscan::dns_header_bytes, &got);
  if (want_end == 0 || got_end == 0 || want_end + 4 > query.size() ||
      got_end + 4 > response.size()) {
    return false;
  }
  return want == got &&
         std::equal(query.begin() + want_end, query.begin() + want_end + 4,
                    response.begin() + got_end);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  check_text(std::string_view(reinterpret_cast<const char*>(data), size));
  check_wire(bytes);

  // The input as a response to a fixed query, and as a query itself.
  static constexpr uint8_t ptr_query[] = {
      0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,  // header, QDCOUNT 1
      1, '7', 1, '0', 2, '1', '8', 3, '1', '9', '8', 7, 'i', 'n', '-', 'a', 'd', 'd', 'r',
      4, 'a', 'r', 'p', 'a', 0, 0, 12, 0, 1};
  for (const auto& [response, query] :
       {std::pair{bytes, std::span<const uint8_t>(ptr_query)},
        std::pair{std::span<const uint8_t>(ptr_query), bytes}, std::pair{bytes, bytes}}) {
    FUZZ_CHECK(ptrscan::question_matches(response, query) ==
               questions_equal_as_text(response, query));
  }
  ptrscan::response_header h;
  FUZZ_CHECK(ptrscan::read_header(bytes, h) == (size >= ptrscan::dns_header_bytes));
  return 0;
}
