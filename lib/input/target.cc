#include "input/target.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "input/reverse_name.h"

namespace ptrscan {

namespace {

constexpr size_t max_domain_len = 253;
constexpr size_t max_label_len = 63;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The message quotes the offending byte; control and non-ASCII bytes are
// escaped so a hostile input line cannot write escape sequences to a terminal.
std::string describe_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7e) {
    return absl::StrFormat("'%c'", c);
  }
  return absl::StrFormat("byte 0x%02x", u);
}

// Returns a mask that keeps the first `bits` (0..8) bits of a byte.
uint8_t leading_mask(int bits) {
  return bits <= 0 ? uint8_t{0} : static_cast<uint8_t>(0xff00u >> bits);
}

// Zeroes every bit of `a` after the first `prefix` bits.
ip_address mask_host_bits(ip_address a, int prefix) {
  for (size_t i = 0; i < a.byte_len(); ++i) {
    int keep = prefix - static_cast<int>(i) * 8;
    if (keep >= 8) {
      continue;
    }
    a.bytes[i] &= leading_mask(keep);
  }
  return a;
}

target_error make_error(std::string message) { return target_error{std::move(message)}; }

parsed_line make_address(const ip_address& a) {
  target_spec spec;
  spec.kind = target_spec::kind_t::address;
  spec.address = a;
  return spec;
}

parsed_line parse_block(std::string_view token, size_t slash) {
  std::string_view addr_text = token.substr(0, slash);
  std::string_view prefix_text = token.substr(slash + 1);
  bool v6 = addr_text.find(':') != std::string_view::npos;
  std::optional<ip_address> addr = ip_address::parse(addr_text);
  if (!addr) {
    if (v6) {
      return make_error("not a valid IPv6 CIDR block: bad address part");
    }
    return make_error("not a valid IPv4 CIDR block: bad address part");
  }
  // Digits only: rejects "", "+8", "-1", "8x" and a second "/".
  if (prefix_text.empty() || !std::all_of(prefix_text.begin(), prefix_text.end(), is_digit)) {
    return make_error("not a valid CIDR block: prefix length must be a number");
  }
  int max_prefix = addr->is_v4() ? 32 : 128;
  // Four digits or more is out of range whatever they say, and cannot overflow.
  int prefix = 0;
  for (char c : prefix_text.substr(0, 4)) {
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix_text.size() > 3 || prefix > max_prefix) {
    return make_error(absl::StrFormat("prefix length /%s out of range for %s (0-%d)",
                                      std::string(prefix_text.substr(0, 8)),
                                      addr->is_v4() ? "IPv4" : "IPv6", max_prefix));
  }
  if (!addr->is_v4() && 128 - prefix > cidr_block::max_v6_host_bits) {
    return make_error(absl::StrFormat(
        "IPv6 block /%d too large: at most %d host bits are scanned (use /%d or longer)", prefix,
        cidr_block::max_v6_host_bits, 128 - cidr_block::max_v6_host_bits));
  }
  target_spec spec;
  spec.kind = target_spec::kind_t::block;
  spec.block.base = mask_host_bits(*addr, prefix);
  spec.block.prefix = static_cast<uint8_t>(prefix);
  return spec;
}

parsed_line parse_domain(std::string_view token) {
  // One trailing dot is the absolute form of the same name.
  if (!token.empty() && token.back() == '.') {
    token.remove_suffix(1);
  }
  if (token.empty()) {
    return make_error("not a valid domain name: empty name");
  }
  if (token.size() > max_domain_len) {
    return make_error(absl::StrFormat("not a valid domain name: %d octets (at most %d)",
                                      token.size(), max_domain_len));
  }
  size_t label_start = 0;
  bool label_all_digits = true;
  for (size_t i = 0; i <= token.size(); ++i) {
    if (i == token.size() || token[i] == '.') {
      size_t len = i - label_start;
      if (len == 0) {
        return make_error("not a valid domain name: empty label");
      }
      if (len > max_label_len) {
        return make_error(absl::StrFormat("not a valid domain name: label of %d octets (at most %d)",
                                          len, max_label_len));
      }
      if (token[label_start] == '-' || token[i - 1] == '-') {
        return make_error("not a valid domain name: label starts or ends with '-'");
      }
      // RFC 3696 section 2: a top-level label is never all-numeric. This also
      // keeps inet_aton forms like "0x7f.0.0.1" or "1.2.3.4a.5" out of DNS.
      if (i == token.size() && label_all_digits) {
        return make_error("not a valid domain name: top-level label is all-numeric");
      }
      label_start = i + 1;
      label_all_digits = true;
      continue;
    }
    char c = token[i];
    // '_' is outside LDH but real names (_dmarc, SRV owners, some hostnames)
    // carry it, and a resolver answers for them.
    bool ok = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
              c == '_';
    if (!ok) {
      return make_error("not a valid domain name: unexpected " + describe_byte(c));
    }
    if (!is_digit(c)) {
      label_all_digits = false;
    }
  }
  target_spec spec;
  spec.kind = target_spec::kind_t::domain;
  spec.domain.assign(token);
  for (char& c : spec.domain) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return spec;
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// `IP,DOMAIN[,HELO]`: the text before any " #" comment, split at commas.
parsed_line parse_sender(std::string_view text) {
  std::string_view fields[4];
  size_t n = 0;
  for (size_t start = 0;;) {
    const size_t comma = text.find(',', start);
    if (n == 3) {
      return make_error("sender line: expected IP,DOMAIN[,HELO] (more than three fields)");
    }
    fields[n++] = trim_blanks(text.substr(start, comma == std::string_view::npos
                                                     ? std::string_view::npos
                                                     : comma - start));
    if (comma == std::string_view::npos) {
      break;
    }
    start = comma + 1;
  }
  const std::string_view ip_text = fields[0];
  std::optional<ip_address> ip = ip_address::parse(ip_text);
  if (!ip && !ip_text.empty()) {
    // A reverse name is the address it names here too (issue 16 item 7).
    if (std::optional<parsed_line> reverse = parse_reverse_name(ip_text)) {
      if (const auto* t = std::get_if<target_spec>(&*reverse);
          t != nullptr && t->kind == target_spec::kind_t::address) {
        ip = t->address;
      }
    }
  }
  if (ip_text.empty() || !ip) {
    return make_error(ip_text.find('/') != std::string_view::npos
                          ? "sender line: the IP field must be one address, not a block"
                          : "sender line: the IP field is not a valid IPv4 or IPv6 address");
  }
  const std::string_view domain_text = fields[1];
  if (domain_text.empty()) {
    return make_error("sender line: empty DOMAIN field (expected IP,DOMAIN[,HELO])");
  }
  // The domain must be one a domain target could be (an address in its
  // place is an error: check_host needs a name).
  const bool address_like = std::all_of(domain_text.begin(), domain_text.end(),
                                        [](char c) { return is_digit(c) || c == '.'; }) ||
                            domain_text.find(':') != std::string_view::npos;
  if (address_like) {
    return make_error("sender line: the DOMAIN field is an address, not a domain name");
  }
  parsed_line domain = parse_domain(domain_text);
  if (auto* err = std::get_if<target_error>(&domain)) {
    return make_error("sender line: DOMAIN: " + err->message);
  }
  target_spec spec;
  spec.kind = target_spec::kind_t::sender;
  spec.address = *ip;
  spec.domain = std::move(std::get<target_spec>(domain).domain);
  if (n == 3 && !fields[2].empty()) {
    spec.has_helo = true;
    spec.helo_cut = fields[2].size() > max_sender_helo;
    spec.helo.assign(fields[2].substr(0, max_sender_helo));
  }
  return spec;
}

}  // namespace

uint64_t cidr_block::size() const {
  int total_bits = base.is_v4() ? 32 : 128;
  int host_bits = total_bits - std::min<int>(prefix, total_bits);
  if (!base.is_v4()) {
    host_bits = std::min(host_bits, max_v6_host_bits);
  }
  return uint64_t{1} << host_bits;
}

ip_address cidr_block::at(uint64_t i) const {
  if (base.is_v4()) {
    return ip_address::v4(base.v4_value() + static_cast<uint32_t>(i));
  }
  // Add i to the 128-bit address, carrying from the last byte upwards; the
  // block is normalised, so for i < size() no carry crosses the prefix.
  std::array<uint8_t, 16> b = base.bytes;
  uint64_t carry = i;
  for (size_t k = 16; k-- > 0 && carry != 0;) {
    uint64_t sum = uint64_t{b[k]} + (carry & 0xff);
    b[k] = static_cast<uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  return ip_address::v6(b);
}

bool cidr_block::contains(const ip_address& a) const {
  if (a.family != base.family) {
    return false;
  }
  int bits = std::min<int>(prefix, static_cast<int>(a.byte_len()) * 8);
  size_t full = static_cast<size_t>(bits / 8);
  for (size_t k = 0; k < full; ++k) {
    if (a.bytes[k] != base.bytes[k]) {
      return false;
    }
  }
  int rest = bits % 8;
  if (rest == 0) {
    return true;
  }
  uint8_t m = leading_mask(rest);
  return (a.bytes[full] & m) == (base.bytes[full] & m);
}

parsed_line parse_target_line(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && is_space(line[i])) {
    ++i;
  }
  if (i == line.size() || line[i] == '#') {
    return std::monostate{};
  }
  {
    // A comma before any comment makes it a sender line. (A comment starts
    // at a '#' after a blank.)
    size_t end = i;
    while (end < line.size() && !(line[end] == '#' && is_space(line[end - 1]))) {
      ++end;
    }
    const std::string_view body = line.substr(i, end - i);
    if (body.find(',') != std::string_view::npos) {
      return parse_sender(body);
    }
  }
  size_t token_end = i;
  while (token_end < line.size() && !is_space(line[token_end])) {
    ++token_end;
  }
  std::string_view token = line.substr(i, token_end - i);
  // After the token only whitespace or a " #" comment may follow.
  size_t rest = token_end;
  while (rest < line.size() && is_space(line[rest])) {
    ++rest;
  }
  if (rest < line.size() && line[rest] != '#') {
    return make_error("expected one target per line");
  }

  size_t slash = token.find('/');
  if (slash != std::string_view::npos) {
    return parse_block(token, slash);
  }
  if (token.find(':') != std::string_view::npos) {
    if (std::optional<ip_address> a = ip_address::parse(token)) {
      return make_address(*a);
    }
    return make_error("not a valid IPv6 address");
  }
  // Digits and dots only is meant as an address; never send it to DNS.
  bool address_like = std::all_of(token.begin(), token.end(),
                                  [](char c) { return is_digit(c) || c == '.'; });
  if (address_like) {
    if (std::optional<ip_address> a = ip_address::parse(token)) {
      return make_address(*a);
    }
    return make_error("not a valid IPv4 address");
  }
  if (std::optional<parsed_line> reverse = parse_reverse_name(token)) {
    return *std::move(reverse);
  }
  return parse_domain(token);
}

}  // namespace ptrscan
