#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ptrscan {

/// Does the host a server names (greeting or EHLO) equal one of the IP's PTR
/// names? Case-insensitive, trailing dot ignored. nullopt (JSON null) when
/// either side is missing: no PTR name, or no host in the reply — the
/// "SMTP banner mismatch" check of mail checkers, which cannot be decided
/// then.
std::optional<bool> host_matches_ptr(std::string_view host, std::span<const std::string> ptr_names);

}  // namespace ptrscan
