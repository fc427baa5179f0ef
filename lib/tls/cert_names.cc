#include "tls/cert_names.h"

#include <cstddef>

#include "net/ascii.h"
#include "net/ip_address.h"

namespace ptrscan {
namespace {

std::string_view strip_trailing_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool cert_name_matches(std::string_view presented, std::string_view reference) {
  presented = strip_trailing_dot(presented);
  reference = strip_trailing_dot(reference);
  if (presented.empty() || reference.empty()) {
    return false;
  }
  // A reference identifier is a host name; one with a '*' is not, and must not
  // match a presented "*.example.com" by plain string equality.
  if (reference.find('*') != std::string_view::npos) {
    return false;
  }
  if (presented.find('*') == std::string_view::npos) {
    return iequals(presented, reference);
  }

  // Wildcard: only "*." as the whole left-most label, no other '*'.
  if (presented.size() < 2 || presented[0] != '*' || presented[1] != '.') {
    return false;
  }
  const std::string_view suffix = presented.substr(1);  // ".example.com"
  if (suffix.find('*') != std::string_view::npos) {
    return false;
  }
  // At least two non-empty labels after the wildcard: "*.com" is never honoured.
  const std::string_view rest = suffix.substr(1);  // "example.com"
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= rest.size() ||
      rest.find("..") != std::string_view::npos) {
    return false;
  }
  // IP literals name an address, not a DNS label; "*.2.3.4" must not match "1.2.3.4".
  if (ip_address::parse(reference).has_value()) {
    return false;
  }
  if (reference.size() <= suffix.size()) {
    return false;
  }
  const size_t label_len = reference.size() - suffix.size();
  const std::string_view label = reference.substr(0, label_len);
  if (label.find('.') != std::string_view::npos) {
    return false;  // the wildcard covers exactly one label
  }
  return iequals(reference.substr(label_len), suffix);
}

bool any_cert_name_matches(const std::vector<std::string>& cert_names,
                           const std::vector<std::string>& hosts) {
  for (const std::string& presented : cert_names) {
    for (const std::string& host : hosts) {
      if (cert_name_matches(presented, host)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace ptrscan
