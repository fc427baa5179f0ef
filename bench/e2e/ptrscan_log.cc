#include "e2e/ptrscan_log.h"

#include <charconv>

namespace ptrscan::bench {
namespace {

// The decimal number that ends right before `marker`, searched from the end
// of `text` (the summary is the last line).
std::optional<uint64_t> number_before(std::string_view text, std::string_view marker) {
  const size_t at = text.rfind(marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  size_t begin = at;
  while (begin > 0 && text[begin - 1] >= '0' && text[begin - 1] <= '9') {
    --begin;
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data() + begin, text.data() + at, v);
  if (ec != std::errc() || end != text.data() + at) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

ptrscan_log parse_ptrscan_log(std::string_view text) {
  ptrscan_log log;
  log.dns_queries = number_before(text, " DNS queries");
  log.smtp_session_limit = number_before(text, " SMTP sessions at once");
  return log;
}

}  // namespace ptrscan::bench
