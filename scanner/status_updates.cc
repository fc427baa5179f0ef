#include "status_updates.h"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ptrscan {
namespace {

double per_sec(uint64_t now, uint64_t before, double seconds) {
  return seconds > 0 && now >= before ? double(now - before) / seconds : 0.0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<status_updates>> status_updates::open(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "we");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--status-updates-file ", path, ": ", std::strerror(errno)));
  }
  std::unique_ptr<status_updates> s(new status_updates(f));
  std::fputs(header().c_str(), f);
  std::fflush(f);
  return s;
}

status_updates::~status_updates() { std::fclose(file_); }

std::string status_updates::header() {
  return "real-time,time-elapsed,targets-read-total,hosts-done-total,hosts-done-last-one-sec,"
         "hosts-done-avg-per-sec,in-flight,dns-queries-total,dns-queries-last-one-sec,"
         "dns-queries-avg-per-sec,dns-timeouts-total,smtp-sessions-open,skipped-total,"
         "input-finished\n";
}

std::string status_updates::line(std::chrono::system_clock::time_point wall, double elapsed_s,
                                 const scan_progress& p, double previous_elapsed_s,
                                 const scan_progress& prev) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(wall);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  const double dt = elapsed_s - previous_elapsed_s;
  return absl::StrFormat(
      "%s,%.0f,%d,%d,%.0f,%.0f,%d,%d,%.0f,%.0f,%d,%d,%d,%d\n", when, elapsed_s, p.targets_read,
      p.done, per_sec(p.done, prev.done, dt), per_sec(p.done, 0, elapsed_s), p.in_flight(),
      p.dns_queries, per_sec(p.dns_queries, prev.dns_queries, dt),
      per_sec(p.dns_queries, 0, elapsed_s), p.dns_timeouts, p.probes.total("smtp_active"),
      p.skipped_reserved + p.skipped_listed + p.skipped_resumed, p.input_finished ? 1 : 0);
}

void status_updates::write(std::chrono::system_clock::time_point wall, double elapsed_s,
                           const scan_progress& p) {
  std::fputs(line(wall, elapsed_s, p, last_elapsed_s_, last_).c_str(), file_);
  std::fflush(file_);
  last_ = p;
  last_elapsed_s_ = elapsed_s;
}

}  // namespace ptrscan
