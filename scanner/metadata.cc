#include "metadata.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "output/json_writer.h"

namespace ptrscan {
namespace {

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

template <class Status, size_t N>
void write_counts(json_writer& w, std::string_view key, const uint64_t (&counts)[N]) {
  w.key(key).begin_object();
  for (size_t i = 0; i < N; ++i) {
    if (counts[i] != 0) {
      w.key(to_string(static_cast<Status>(i))).value(counts[i]);
    }
  }
  w.end_object();
}

}  // namespace

std::string metadata_json(const run_metadata& m) {
  std::string out;
  json_writer w(out);
  const scan_progress& p = m.progress;
  w.begin_object();
  w.key("tool").value("ptrscan");
  w.key("version").value(PTRSCAN_VERSION);
  w.key("start_time").value(rfc3339(m.start));
  w.key("end_time").value(rfc3339(m.end));
  w.key("duration_s").value_fixed(m.elapsed_s, 3);
  w.key("arguments").begin_array();
  for (const std::string& a : m.arguments) {
    w.value(a);
  }
  w.end_array();
  w.key("seed").value(m.seed);
  w.key("shard").value(absl::StrCat(m.shard_index, "/", m.shard_count));
  w.key("resolvers").begin_array();
  for (const std::string& r : m.resolvers) {
    w.value(r);
  }
  w.end_array();
  if (m.max_targets != 0) {
    w.key("max_targets").value(m.max_targets);
    w.key("capped").value(p.capped);
  }
  w.key("targets_read").value(p.targets_read);
  w.key("records").value(p.done);
  w.key("skipped").begin_object();
  for (const auto& [reason, n] : m.skipped) {
    w.key(reason).value(n);
  }
  w.end_object();
  w.key("lines_rejected").value(p.lines_rejected);
  w.key("dropped_in_flight").value(p.dropped);
  if (p.domains_read != 0) {
    // records counts address targets; each domain adds its summary record
    // and the records of its MX addresses.
    w.key("domains").begin_object();
    w.key("read").value(p.domains_read);
    w.key("summaries").value(p.domains_done);
    w.key("dropped_in_flight").value(p.domains_dropped);
    w.key("mx_addresses_probed").value(p.mx_hosts_done);
    w.key("mx_addresses_skipped").value(p.mx_hosts_skipped);
    w.end_object();
    write_counts<spf_code>(w, "spf", p.spf);
  }
  if (p.dnsbl_listed != 0) {
    w.key("dnsbl_listings").value(p.dnsbl_listed);
  }
  w.key("hosts_per_s").value_fixed(m.elapsed_s > 0 ? double(p.done) / m.elapsed_s : 0.0, 1);
  w.key("dns_queries").value(p.dns_queries);
  w.key("dns").begin_object();
  w.key("queries").value(p.dns_queries);
  w.key("retransmits").value(p.dns_retransmits);
  w.key("lost").value(p.dns_lost);
  w.key("timeouts").value(p.dns_timeouts);
  w.key("resolver_backoffs").value(p.dns_server_downs);
  w.key("retries_moved").value(p.dns_moved);
  w.key("resolvers").begin_array();
  for (const dns_server_stats& r : m.resolver_stats) {
    w.begin_object();
    w.key("address").value(r.address);
    w.key("queries").value(r.queries).key("answers").value(r.answers);
    w.key("lost").value(r.losses).key("loss_events").value(r.loss_events);
    w.key("spurious_timeouts").value(r.spurious).key("backoffs").value(r.downs);
    w.key("retries_moved").value(r.moved);
    // At the end of the scan, summed over the shards.
    w.key("window").value(uint64_t{r.window});
    w.key("pacing_rate").value_fixed(r.pacing_rate, 0);
    // --dns-rate as the shards' pacers hold it (0: no ceiling).
    w.key("rate_ceiling").value_fixed(r.rate_ceiling, 0);
    w.key("srtt_ms").value_fixed(double(r.srtt_ns) / 1e6, 3);
    w.key("rto_ms").value_fixed(double(r.rto_ns) / 1e6, 3);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  if (m.ptr) {
    write_counts<dns_status>(w, "ptr", p.ptr);
  }
  if (m.fcrdns) {
    write_counts<fcrdns_status>(w, "fcrdns", p.fcrdns);
  }
  if (m.ptr) {
    write_counts<rdns_class>(w, "rdns", p.rdns);
  }
  if (m.smtp) {
    write_counts<smtp_status>(w, "smtp", p.smtp);
    // lib/smtp/admission.h; the window is the last one, summed over shards.
    w.key("smtp_admission").begin_object();
    w.key("window").value(p.smtp_window);
    w.key("connects_unanswered").value(p.smtp_connects_lost);
    w.key("answered_late").value(p.smtp_late_answers);
    w.key("loss_events").value(p.smtp_loss_events);
    w.key("loss_events_undone").value(p.smtp_loss_undone);
    w.key("delay_decreases").value(p.smtp_delay_decreases);
    w.end_object();
    if (std::any_of(std::begin(p.relay), std::end(p.relay), [](uint64_t n) { return n != 0; })) {
      write_counts<relay_status>(w, "relay", p.relay);
    }
  }
  w.key("exit_code").value(m.exit_code);
  w.end_object();
  w.end_line();
  return out;
}

absl::Status write_metadata(const std::string& path, const run_metadata& m) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << metadata_json(m);
    f.flush();
    if (!f) {
      return absl::InternalError(absl::StrCat("--metadata ", path, ": cannot write ", tmp));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("--metadata ", path, ": cannot rename ", tmp));
  }
  return absl::OkStatus();
}

}  // namespace ptrscan
