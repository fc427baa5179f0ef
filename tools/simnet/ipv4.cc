#include "simnet/ipv4.h"

#include <charconv>

namespace ptrscan::simnet {
namespace {

// A decimal number in [0, max] without sign or leading zeros.
std::optional<uint32_t> parse_decimal(std::string_view text, uint32_t max) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v > max) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<uint32_t> parse_octet(std::string_view text) { return parse_decimal(text, 255); }

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  uint32_t ip = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) {
      return std::nullopt;
    }
    const auto octet = parse_decimal(text.substr(0, dot), 255);
    if (!octet) {
      return std::nullopt;
    }
    ip = ip << 8 | *octet;
    text.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  return ip;
}

std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string(ip >> 16 & 255) + "." +
         std::to_string(ip >> 8 & 255) + "." + std::to_string(ip & 255);
}

std::optional<cidr> cidr::parse(std::string_view text) {
  const size_t slash = text.find('/');
  const auto ip = parse_ipv4(text.substr(0, slash));
  if (!ip) {
    return std::nullopt;
  }
  cidr c;
  c.base = *ip;
  if (slash != std::string_view::npos) {
    const auto prefix = parse_decimal(text.substr(slash + 1), 32);
    if (!prefix) {
      return std::nullopt;
    }
    c.prefix = static_cast<int>(*prefix);
  }
  if ((c.base & ~c.mask()) != 0) {
    return std::nullopt;
  }
  return c;
}

std::string cidr::to_string() const { return format_ipv4(base) + "/" + std::to_string(prefix); }

}  // namespace ptrscan::simnet
