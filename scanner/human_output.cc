#include "human_output.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptrscan {
namespace {

uint64_t skipped_total(const scan_progress& p) {
  return p.skipped_reserved + p.skipped_listed + p.skipped_resumed;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

std::string clock_text(double seconds) {
  auto s = static_cast<uint64_t>(seconds > 0 ? seconds : 0);
  if (s >= 3600) {
    return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

std::string rate_text(double r) {
  if (!(r > 0) || !std::isfinite(r)) {
    return "0";
  }
  if (r >= 99.5) {
    return absl::StrFormat("%.0f", r);
  }
  // Three significant digits, no exponent: 0.299 → "0.299", 12.34 → "12.3".
  const int decimals = r >= 10 ? 1 : (r >= 1 ? 2 : 2 - static_cast<int>(std::floor(std::log10(r))));
  std::string out = absl::StrFormat("%.*f", std::min(decimals, 9), r);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') {
      out.pop_back();
    }
    if (out.back() == '.') {
      out.pop_back();
    }
  }
  return out;
}

scan_totals totals_of(const scan_progress& p) {
  scan_totals t;
  t.records = p.done + p.children_done;
  t.hosts = p.done;
  t.names_read = p.names_read;
  t.names_done = p.names_done;
  t.names_dropped = p.names_dropped;
  t.children_done = p.children_done;
  return t;
}

std::optional<double> progress_fraction(const scan_progress& p) {
  if (!p.totals_known) {
    return std::nullopt;
  }
  const uint64_t total = p.targets_total + p.names_total;
  if (total == 0) {
    return 1.0;
  }
  const uint64_t finished =
      p.done + p.dropped + skipped_total(p) + p.names_done + p.names_dropped;
  return std::min(1.0, double(finished) / double(total));
}

std::string progress_line(const scan_progress& p, const probe_list& probes, double elapsed_s,
                          double rate, bool reading_stdin) {
  std::string line = absl::StrCat(clock_text(elapsed_s), " ", p.done, " done");
  if (p.names_read != 0) {
    absl::StrAppend(&line, ", ", p.names_done, " of ", plural(p.names_read, "domain", "domains"),
                    " (", p.children_done, " MX addresses)");
  }
  absl::StrAppend(&line, ", ", rate_text(rate), " hosts/s, ", p.in_flight(), " in flight");
  for (const std::shared_ptr<probe>& pr : probes) {
    pr->progress(p.probes, line);
  }
  if (const std::optional<double> f = progress_fraction(p)) {
    absl::StrAppendFormat(&line, ", %.1f%% of %d", 100.0 * *f, p.targets_total + p.names_total);
    // The average since the start: steadier than the last second's rate.
    if (*f > 0 && *f < 1 && elapsed_s > 0) {
      absl::StrAppend(&line, ", ETA ", clock_text(elapsed_s * (1 - *f) / *f));
    }
  } else if (reading_stdin) {
    absl::StrAppend(&line, ", reading targets from stdin (", p.targets_read + p.names_read,
                    " so far)");
  } else {
    absl::StrAppend(&line, ", ", p.targets_read + p.names_read, " read so far");
  }
  return line;
}

std::string summary_line(const scan_progress& p, const probe_list& probes, double elapsed_s,
                         const std::map<std::string, uint64_t>& skipped, uint64_t seed,
                         uint64_t max_targets) {
  // Whatever the scan was made of: hosts given as addresses, domains (each a
  // summary plus its MX addresses' records), or both.
  std::string line;
  const bool domains = p.names_read != 0;
  if (!domains || p.done != 0 || p.targets_read != 0) {
    line = plural(p.done, "host", "hosts");
  }
  if (domains) {
    absl::StrAppend(&line, line.empty() ? "" : " and ", plural(p.names_done, "domain", "domains"),
                    " (", plural(p.children_done, "MX address", "MX addresses"), ")");
  }
  absl::StrAppendFormat(&line, " in %.2f s", elapsed_s);
  const double per_s = elapsed_s > 0 ? 1 / elapsed_s : 0;
  if (!domains || p.done != 0) {
    absl::StrAppend(&line, " (", rate_text(double(p.done) * per_s), " hosts/s");
  } else {
    absl::StrAppend(&line, " (", rate_text(double(p.names_done) * per_s), " domains/s");
  }
  if (domains && p.children_done != 0) {
    absl::StrAppend(&line, ", ", rate_text(double(p.done + p.children_done) * per_s),
                    " records/s");
  }
  absl::StrAppend(&line, ")");
  const scan_totals totals = totals_of(p);
  for (const std::shared_ptr<probe>& pr : probes) {
    pr->summary(p.probes, totals, line);
  }
  absl::StrAppend(&line, "; skipped ", p.skipped_reserved, " reserved");
  if (p.skipped_resumed != 0) {
    absl::StrAppend(&line, ", ", p.skipped_resumed, " written before (--state)");
  }
  if (p.skipped_listed != 0) {
    absl::StrAppend(&line, ", ", p.skipped_listed, " by --blocklist/--allowlist");
  }
  if (!skipped.empty()) {
    absl::StrAppend(&line, " (");
    bool first = true;
    for (const auto& [name, n] : skipped) {
      absl::StrAppend(&line, first ? "" : ", ", name, " ", n);
      first = false;
    }
    absl::StrAppend(&line, ")");
  }
  absl::StrAppend(&line, "; ", p.lines_rejected, " input lines rejected");
  if (p.capped) {
    absl::StrAppend(&line, "; capped: stopped at -n ", max_targets, " targets");
  }
  if (p.dropped != 0 || p.queued != p.done || p.names_queued != p.names_done) {
    absl::StrAppend(&line, "; ", p.dropped, " dropped in flight, ",
                    p.queued - p.done - p.dropped, " queued but not started");
  }
  absl::StrAppend(&line, "; ", p.dns_queries, " DNS queries (", p.dns_retransmits,
                  " retransmitted, ", p.dns_timeouts, " timed out");
  if (p.dns_server_downs != 0) {
    absl::StrAppend(&line, ", resolvers backed off ", p.dns_server_downs, " times, ", p.dns_moved,
                    " retries moved");
  }
  absl::StrAppend(&line, "); seed ", seed);
  return line;
}

}  // namespace ptrscan
