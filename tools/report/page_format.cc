#include "report/page_format.h"

#include <cstdio>

namespace ptrscan::report {

std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) {
      out += ',';
    }
    out += digits[i];
  }
  return out;
}

std::string percent_value(uint64_t part, uint64_t whole) {
  if (whole == 0) {
    return "";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", 100.0 * double(part) / double(whole));
  return buf;
}

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0) {
    return "\xE2\x80\x93";  // en dash
  }
  return percent_value(part, whole) + " %";
}

}  // namespace ptrscan::report
