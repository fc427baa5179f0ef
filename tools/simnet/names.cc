#include "simnet/names.h"

#include <array>
#include <cstdio>

#include "simnet/ipv4.h"

namespace ptrscan::simnet {
namespace {

std::string dashed(uint32_t ip) {
  std::string s = format_ipv4(ip);
  for (char& c : s) {
    if (c == '.') {
      c = '-';
    }
  }
  return s;
}

std::string hex8(uint32_t ip) {
  std::array<char, 9> buf{};
  std::snprintf(buf.data(), buf.size(), "%08x", ip);
  return buf.data();
}

bool consume_prefix(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) {
    return false;
  }
  s.remove_prefix(prefix.size());
  return true;
}

bool consume_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) {
    return false;
  }
  s.remove_suffix(suffix.size());
  return true;
}

std::optional<uint32_t> parse_dashed(std::string_view s) {
  if (s.find('.') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string dotted(s);
  for (char& c : dotted) {
    if (c == '-') {
      c = '.';
    }
  }
  return parse_ipv4(dotted);
}

std::optional<uint32_t> parse_hex8(std::string_view s) {
  if (s.size() != 8) {
    return std::nullopt;
  }
  uint32_t v = 0;
  for (char c : s) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    v = v << 4 | static_cast<uint32_t>(digit);
  }
  return v;
}

// "7.3.18.198" (the address reversed, as host<d>.<c>.<b>.<a> spells it).
std::optional<uint32_t> parse_reversed_dotted(std::string_view s) {
  const auto r = parse_ipv4(s);
  if (!r) {
    return std::nullopt;
  }
  const uint32_t v = *r;
  return (v & 255) << 24 | (v >> 8 & 255) << 16 | (v >> 16 & 255) << 8 | v >> 24;
}

}  // namespace

std::string make_ptr_name(name_style style, uint32_t ip) {
  switch (style) {
    case name_style::dyn:
      return "ip-" + dashed(ip) + ".dyn.sim.test";
    case name_style::pool:
      return dashed(ip) + ".pool.sim.test";
    case name_style::host:
      return "host" + std::to_string(ip & 255) + "." + std::to_string(ip >> 8 & 255) + "." +
             std::to_string(ip >> 16 & 255) + "." + std::to_string(ip >> 24) + ".static.sim.test";
    case name_style::corp:
      return "mail-" + hex8(ip) + ".corp.sim.test";
    case name_style::mx_hex:
      return "mx." + hex8(ip) + ".sim.test";
  }
  return {};
}

std::string make_smtp_name(uint32_t ip) { return "mx-" + dashed(ip) + ".smtp.sim.test"; }

std::string make_other_name(uint32_t n) { return "mta" + std::to_string(n) + ".other.sim.test"; }

std::optional<uint32_t> parse_encoded_ip(std::string_view name) {
  std::string_view s = name;
  if (consume_suffix(s, ".dyn.sim.test")) {
    return consume_prefix(s, "ip-") ? parse_dashed(s) : std::nullopt;
  }
  if (consume_suffix(s, ".pool.sim.test")) {
    return parse_dashed(s);
  }
  if (consume_suffix(s, ".smtp.sim.test")) {
    return consume_prefix(s, "mx-") ? parse_dashed(s) : std::nullopt;
  }
  if (consume_suffix(s, ".static.sim.test")) {
    return consume_prefix(s, "host") ? parse_reversed_dotted(s) : std::nullopt;
  }
  if (consume_suffix(s, ".corp.sim.test")) {
    return consume_prefix(s, "mail-") ? parse_hex8(s) : std::nullopt;
  }
  if (consume_prefix(s, "mx.") && consume_suffix(s, ".sim.test")) {
    return parse_hex8(s);
  }
  return std::nullopt;
}

}  // namespace ptrscan::simnet
