#pragma once

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace ptrscan {

// Debian's Abseil 20220623 is built with its own absl::string_view (not an
// alias of std::string_view), so the two do not convert implicitly. These
// adapters keep that seam in one place.

/// std::string_view → absl::string_view (for StrCat and friends).
inline absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }
/// absl::string_view (Status messages, StrSplit pieces) → std::string_view.
inline std::string_view sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace ptrscan
