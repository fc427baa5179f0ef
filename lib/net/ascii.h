#pragma once

// The project's one set of ASCII helpers (DNS names, SMTP keywords, SPF
// terms and certificate names compare without regard to ASCII case and
// never by locale): Abseil's, behind std::string_view.

#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "net/absl_compat.h"

namespace ptrscan {

inline char ascii_lower(char c) { return absl::ascii_tolower(static_cast<unsigned char>(c)); }

/// Equal ignoring ASCII case.
inline bool iequals(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(av(a), av(b));
}

/// A lower-cased copy (ASCII letters only).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  absl::AsciiStrToLower(&out);
  return out;
}

}  // namespace ptrscan
