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
  scan_totals totals;
  totals.records = p.done + p.children_done;
  totals.hosts = p.done;
  totals.names_read = p.names_read;
  totals.names_done = p.names_done;
  totals.names_dropped = p.names_dropped;
  totals.children_done = p.children_done;
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
  // Each probe's own counters and members, in table order.
  for (const std::shared_ptr<probe>& pr : m.probes) {
    pr->metadata(p.probes, totals, w);
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
