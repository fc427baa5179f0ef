#include "input/reverse_name.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

namespace ptrscan {

namespace {

constexpr std::string_view v4_tree = "in-addr.arpa";
constexpr std::string_view v6_tree = "ip6.arpa";

target_error reverse_error(std::string message) {
  return target_error{"not a usable reverse name: " + std::move(message)};
}

// Splits "a.b.c" into labels; an empty label (leading dot, "a..b") stays empty
// so the caller can reject it.
std::vector<std::string_view> split_labels(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Label text for an error message: printable ASCII as is, capped.
std::string quote_label(std::string_view label) {
  std::string out;
  for (char c : label.substr(0, 16)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x21 && u <= 0x7e) ? c : '?';
  }
  return "'" + out + (label.size() > 16 ? "...'" : "'");
}

// Decimal 0..255, no sign, no leading zero (as dotted-quad parsing demands).
std::optional<uint8_t> octet(std::string_view label) {
  if (label.empty() || label.size() > 3 || (label.size() > 1 && label[0] == '0')) {
    return std::nullopt;
  }
  int v = 0;
  for (char c : label) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v <= 255 ? std::optional<uint8_t>(static_cast<uint8_t>(v)) : std::nullopt;
}

std::optional<uint8_t> nibble(std::string_view label) {
  if (label.size() != 1) {
    return std::nullopt;
  }
  char c = label[0];
  if (c >= '0' && c <= '9') {
    return static_cast<uint8_t>(c - '0');
  }
  if (c >= 'a' && c <= 'f') {
    return static_cast<uint8_t>(c - 'a' + 10);
  }
  if (c >= 'A' && c <= 'F') {
    return static_cast<uint8_t>(c - 'A' + 10);
  }
  return std::nullopt;
}

parsed_line spec_of(const ip_address& a, int prefix, int bits) {
  target_spec spec;
  if (prefix == bits) {
    spec.kind = target_spec::kind_t::address;
    spec.address = a;
  } else {
    spec.kind = target_spec::kind_t::block;
    spec.block.base = a;
    spec.block.prefix = static_cast<uint8_t>(prefix);
  }
  return spec;
}

parsed_line parse_v4(std::string_view owner, bool bare) {
  if (bare) {
    return reverse_error("in-addr.arpa itself names no address");
  }
  std::vector<std::string_view> labels = split_labels(owner);
  if (labels.size() > 4) {
    return reverse_error(absl::StrFormat(
        "%d labels before in-addr.arpa (at most 4 octets)", labels.size()));
  }
  // Labels run from the last octet to the first: "2.0.192" is 192.0.2.0/24.
  uint32_t value = 0;
  for (size_t k = 0; k < labels.size(); ++k) {
    std::optional<uint8_t> o = octet(labels[labels.size() - 1 - k]);
    if (!o) {
      return reverse_error(absl::StrFormat(
          "label %s is not a decimal octet 0-255 (RFC 2317 classless names such as "
          "0-25.2.0.192.in-addr.arpa are not supported: give the block as CIDR)",
          quote_label(labels[labels.size() - 1 - k])));
    }
    value |= uint32_t{*o} << (24 - 8 * k);
  }
  return spec_of(ip_address::v4(value), static_cast<int>(labels.size()) * 8, 32);
}

parsed_line parse_v6(std::string_view owner, bool bare) {
  if (bare) {
    return reverse_error("ip6.arpa itself names no address");
  }
  std::vector<std::string_view> labels = split_labels(owner);
  if (labels.size() > 32) {
    return reverse_error(absl::StrFormat(
        "%d labels before ip6.arpa (at most 32 nibbles)", labels.size()));
  }
  std::array<uint8_t, 16> bytes{};
  for (size_t k = 0; k < labels.size(); ++k) {
    std::optional<uint8_t> n = nibble(labels[labels.size() - 1 - k]);
    if (!n) {
      return reverse_error(absl::StrFormat("label %s is not one hex nibble",
                                           quote_label(labels[labels.size() - 1 - k])));
    }
    // Nibble k (from the top) is the high half of byte k/2 when k is even.
    bytes[k / 2] |= static_cast<uint8_t>(k % 2 == 0 ? *n << 4 : *n);
  }
  int prefix = static_cast<int>(labels.size()) * 4;
  if (128 - prefix > cidr_block::max_v6_host_bits) {
    return reverse_error(absl::StrFormat(
        "%d nibbles name a /%d block; at most %d host bits are scanned (give %d nibbles or "
        "more)",
        labels.size(), prefix, cidr_block::max_v6_host_bits,
        (128 - cidr_block::max_v6_host_bits) / 4));
  }
  return spec_of(ip_address::v6(bytes), prefix, 128);
}

// True when `name` is `tree` or ends in ".tree", ASCII case-insensitively;
// `owner` is then what comes before (without the dot; "" for ".tree", an
// empty label) and `bare` says the name is the tree itself.
bool under(std::string_view name, std::string_view tree, std::string_view& owner, bool& bare) {
  if (name.size() < tree.size()) {
    return false;
  }
  const std::string_view tail = name.substr(name.size() - tree.size());
  for (size_t i = 0; i < tree.size(); ++i) {
    char c = tail[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != tree[i]) {
      return false;
    }
  }
  bare = name.size() == tree.size();
  if (bare) {
    owner = {};
    return true;
  }
  if (name[name.size() - tree.size() - 1] != '.') {
    return false;  // "xin-addr.arpa" is some other name
  }
  owner = name.substr(0, name.size() - tree.size() - 1);
  return true;
}

}  // namespace

std::optional<parsed_line> parse_reverse_name(std::string_view token) {
  if (!token.empty() && token.back() == '.') {
    token.remove_suffix(1);
  }
  std::string_view owner;
  bool bare = false;
  if (under(token, v4_tree, owner, bare)) {
    return parse_v4(owner, bare);
  }
  if (under(token, v6_tree, owner, bare)) {
    return parse_v6(owner, bare);
  }
  return std::nullopt;
}

}  // namespace ptrscan
