#include "e2e/ptrscan_log.h"

#include <charconv>

namespace ptrscan::bench {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<uint64_t> to_number(std::string_view digits) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return v;
}

// The decimal number that ends right before `marker`, searched from the end
// of `text` (the summary is the last line).
std::optional<uint64_t> number_before(std::string_view text, std::string_view marker) {
  const size_t at = text.rfind(marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  size_t begin = at;
  while (begin > 0 && is_digit(text[begin - 1])) {
    --begin;
  }
  return to_number(text.substr(begin, at - begin));
}

// The last summary line: "ptrscan: N hosts in S s (R hosts/s); ...".
std::string_view summary_line(std::string_view text) {
  size_t from = text.size();
  while (from > 0) {
    const size_t start = text.rfind('\n', from - 1);
    const size_t begin = start == std::string_view::npos ? 0 : start + 1;
    const std::string_view line = text.substr(begin, from - begin);
    if (line.starts_with("ptrscan: ") && (line.find(" hosts in ") != std::string_view::npos ||
                                          line.find(" host in ") != std::string_view::npos)) {
      return line;
    }
    if (begin == 0) {
      break;
    }
    from = begin - 1;
  }
  return {};
}

// "; NAME status1 n1 status2 n2; ..." of the summary -> {status: n}.
std::map<std::string, uint64_t> status_counts(std::string_view summary, std::string_view name) {
  std::map<std::string, uint64_t> counts;
  const std::string marker = "; " + std::string(name) + " ";
  const size_t at = summary.find(marker);
  if (at == std::string_view::npos) {
    return counts;
  }
  std::string_view rest = summary.substr(at + marker.size());
  rest = rest.substr(0, rest.find(';'));
  for (;;) {
    const size_t gap = rest.find(' ');
    if (gap == std::string_view::npos) {
      break;
    }
    const std::string_view status = rest.substr(0, gap);
    rest.remove_prefix(gap + 1);
    const size_t end = rest.find(' ');
    const auto n = to_number(rest.substr(0, end));
    if (!n) {
      break;
    }
    counts[std::string(status)] = *n;
    if (end == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(end + 1);
  }
  return counts;
}

}  // namespace

uint64_t ptrscan_log::ptr_count(const std::string& status) const {
  const auto it = ptr.find(status);
  return it == ptr.end() ? 0 : it->second;
}

ptrscan_log parse_ptrscan_log(std::string_view text) {
  ptrscan_log log;
  log.dns_queries = number_before(text, " DNS queries");
  // "N DNS queries (R retransmitted, T timed out...)".
  log.retransmits = number_before(text, " retransmitted");
  log.dns_timeouts = number_before(text, " timed out");
  const std::string_view summary = summary_line(text);
  log.ptr = status_counts(summary, "ptr");
  log.fcrdns = status_counts(summary, "fcrdns");
  log.smtp_session_limit = number_before(text, " SMTP sessions at once");
  return log;
}

}  // namespace ptrscan::bench
