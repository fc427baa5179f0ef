#include "checks/identity.h"

#include "dns/reply.h"

namespace ptrscan {

std::optional<bool> host_matches_ptr(std::string_view host,
                                     std::span<const std::string> ptr_names) {
  if (host.empty() || ptr_names.empty()) {
    return std::nullopt;
  }
  for (const std::string& name : ptr_names) {
    if (same_name(host, name)) {
      return true;
    }
  }
  return false;
}

}  // namespace ptrscan
