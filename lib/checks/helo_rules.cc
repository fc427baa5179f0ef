#include "checks/helo_rules.h"

#include <algorithm>

#include "checks/identity.h"
#include "net/ascii.h"

namespace ptrscan {

std::string_view to_string(helo_syntax s) {
  switch (s) {
    case helo_syntax::fqdn:
      return "fqdn";
    case helo_syntax::not_fqdn:
      return "not-fqdn";
    case helo_syntax::address_literal:
      return "address-literal";
    case helo_syntax::invalid:
      return "invalid";
  }
  return "invalid";
}

namespace {

bool ldh_label(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') {
    return false;
  }
  return std::all_of(l.begin(), l.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

helo_form read_helo(std::string_view arg) {
  helo_form f;
  if (arg.size() >= 2 && arg.front() == '[' && arg.back() == ']') {
    std::string_view inner = arg.substr(1, arg.size() - 2);
    if (inner.size() > 5 && iequals(inner.substr(0, 5), "IPv6:")) {
      inner.remove_prefix(5);
      f.literal = ip_address::parse(inner);
      if (f.literal && f.literal->is_v4()) {
        f.literal.reset();
      }
    } else {
      f.literal = ip_address::parse(inner);
      if (f.literal && !f.literal->is_v4()) {
        f.literal.reset();  // IPv6 literals need the "IPv6:" tag
      }
    }
    f.syntax = f.literal ? helo_syntax::address_literal : helo_syntax::invalid;
    return f;
  }
  std::string name = ascii_lower(arg);
  if (!name.empty() && name.back() == '.') {
    name.pop_back();
  }
  if (name.empty() || name.size() > 253) {
    return f;
  }
  size_t labels = 0;
  std::string_view last;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    const std::string_view label =
        std::string_view(name).substr(start, dot == std::string::npos ? std::string::npos
                                                                       : dot - start);
    if (!ldh_label(label)) {
      return f;
    }
    ++labels;
    last = label;
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return f;  // "192.0.2.1" without brackets, or a numeric top label
  }
  f.syntax = labels >= 2 ? helo_syntax::fqdn : helo_syntax::not_fqdn;
  f.name = std::move(name);
  return f;
}

helo_rules apply_helo_rules(const helo_form& form, const ip_address& client,
                            std::span<const ip_address> addresses, bool lookup_failed,
                            std::span<const std::string> ptr_names) {
  helo_rules r;
  if (form.syntax == helo_syntax::address_literal) {
    r.resolves_to_client = *form.literal == client;
    return r;
  }
  if (form.syntax == helo_syntax::invalid) {
    return r;
  }
  const bool found = !addresses.empty();
  const bool to_client = std::find(addresses.begin(), addresses.end(), client) != addresses.end();
  if (found || !lookup_failed) {
    r.resolves = found;
  }
  if (to_client || !lookup_failed) {
    r.resolves_to_client = to_client;
  }
  r.equals_ptr = host_matches_ptr(form.name, ptr_names);
  return r;
}

}  // namespace ptrscan
