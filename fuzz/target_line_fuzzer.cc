// parse_target_line() on any line of a targets file or stdin.
//
// Oracles:
//  - error messages are printable ASCII: they go to a terminal, and a hostile
//    input must not be able to write escape sequences there;
//  - blank lines and comments yield nothing; whitespace around the target
//    changes nothing;
//  - a parsed target prints back to a line that parses to the same target
//    (addresses and blocks through their canonical text, domains as kept);
//  - blocks are normalised and within the scannable size; domains are
//    lower-case LDH (plus '_') names of at most 253 octets.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "input/target.h"

namespace {

using ptrscan::parsed_line;
using ptrscan::target_error;
using ptrscan::target_spec;
using kind = target_spec::kind_t;

bool same_outcome(const parsed_line& a, const parsed_line& b) {
  if (a.index() != b.index()) {
    return false;
  }
  if (const auto* e = std::get_if<target_error>(&a)) {
    return e->message == std::get<target_error>(b).message;
  }
  if (const auto* t = std::get_if<target_spec>(&a)) {
    const target_spec& u = std::get<target_spec>(b);
    if (t->kind != u.kind) {
      return false;
    }
    switch (t->kind) {
      case kind::address:
        return t->address == u.address;
      case kind::block:
        return t->block.base == u.block.base && t->block.prefix == u.block.prefix;
      case kind::domain:
        return t->domain == u.domain;
      case kind::sender:
        return t->address == u.address && t->domain == u.domain && t->helo == u.helo &&
               t->has_helo == u.has_helo;
    }
  }
  return true;  // both monostate
}

void check_block(const ptrscan::cidr_block& b) {
  const int bits = b.base.is_v4() ? 32 : 128;
  FUZZ_CHECK(b.prefix <= bits);
  if (!b.base.is_v4()) {
    FUZZ_CHECK(bits - b.prefix <= ptrscan::cidr_block::max_v6_host_bits);
  }
  const uint64_t n = b.size();
  FUZZ_CHECK(n >= 1 && n == uint64_t{1} << (bits - b.prefix));
  // Normalised: the base is the first address, and the block ends where the
  // next one with the same prefix would start.
  FUZZ_CHECK(b.at(0) == b.base && b.contains(b.base) && b.contains(b.at(n - 1)));
  for (size_t i = 0; i < b.base.byte_len(); ++i) {
    const int keep = b.prefix - static_cast<int>(i) * 8;
    if (keep <= 0) {
      FUZZ_CHECK(b.base.bytes[i] == 0);
    } else if (keep < 8) {
      FUZZ_CHECK((b.base.bytes[i] & (0xff >> keep)) == 0);
    }
  }
}

void check_domain(const std::string& d) {
  FUZZ_CHECK(!d.empty() && d.size() <= 253 && d.front() != '.' && d.back() != '.');
  FUZZ_CHECK(d.find("..") == std::string::npos);
  for (char c : d) {
    FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const parsed_line got = ptrscan::parse_target_line(line);

  FUZZ_CHECK(same_outcome(got, ptrscan::parse_target_line(" \t" + std::string(line) + " \r")));

  if (std::holds_alternative<std::monostate>(got)) {
    const size_t first = line.find_first_not_of(" \t\r\n\v\f");
    FUZZ_CHECK(first == std::string_view::npos || line[first] == '#');
    return 0;
  }
  if (const auto* e = std::get_if<target_error>(&got)) {
    FUZZ_CHECK(!e->message.empty());
    for (char c : e->message) {
      FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
    }
    return 0;
  }

  const target_spec& t = std::get<target_spec>(got);
  std::string again;
  switch (t.kind) {
    case kind::address:
      again = t.address.to_string();
      break;
    case kind::block:
      check_block(t.block);
      again = t.block.base.to_string() + "/" + std::to_string(t.block.prefix);
      break;
    case kind::domain:
      check_domain(t.domain);
      again = t.domain + ".";  // the absolute form names the same domain
      break;
    case kind::sender:
      // The DOMAIN field follows the domain rules; the HELO is kept as
      // written (a bad one is a verdict, not a rejection), so it has no
      // canonical form to write back: no round trip.
      check_domain(t.domain);
      FUZZ_CHECK(t.helo.size() <= ptrscan::max_sender_helo);
      FUZZ_CHECK(t.has_helo || t.helo.empty());
      return 0;
  }
  FUZZ_CHECK(same_outcome(got, ptrscan::parse_target_line(again + " # comment")));
  return 0;
}
