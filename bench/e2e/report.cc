#include "e2e/report.h"

#include <algorithm>
#include <map>
#include <string>

#include "output/json_writer.h"

namespace ptrscan::bench {
namespace {

// The targets for a rate-limited resolver: at least this share of
// the limit answered per second, at most this share of lookups timed out.
constexpr double target_limit_share = 0.90;
constexpr double target_timeout_share = 0.01;

// Fixed decimals keep the lines short and comparable by eye.
void number(json_writer& w, const char* key, double v, int decimals) {
  w.key(key).value_fixed(v, decimals);
}

void optional_number(json_writer& w, const char* key, const std::optional<uint64_t>& v) {
  w.key(key);
  v ? w.value(*v) : w.null();
}

// What the process cost, from its rusage.
void cost(json_writer& w, const measured_run& m) {
  number(w, "cpu_s", m.cpu_s(), 3);
  number(w, "user_s", m.user_s, 3);
  number(w, "sys_s", m.sys_s, 3);
  number(w, "peak_rss_mib", m.peak_rss_mib, 1);
  w.key("exit").value(m.describe());
}

void counts(json_writer& w, const char* key, const std::map<std::string, uint64_t>& c) {
  if (c.empty()) {
    return;
  }
  w.key(key).begin_object();
  for (const auto& [status, n] : c) {
    w.key(status).value(n);
  }
  w.end_object();
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

bool has_probe(const std::string& probes, const std::string& probe) {
  return ("," + probes + ",").find("," + probe + ",") != std::string::npos;
}

}  // namespace

bool run_report::passed() const {
  return error.empty() && run && run->ok() && check && check->ok &&
         (!baseline || baseline->passed());
}

std::optional<uint64_t> run_report::retransmits() const {
  if (log.retransmits) {
    return log.retransmits;
  }
  if (probes == "ptr" && log.dns_queries && run && run->ok() && *log.dns_queries >= hosts) {
    return *log.dns_queries - hosts;
  }
  return std::nullopt;
}

std::optional<double> run_report::answered_lookups_per_s() const {
  if (!run || run->wall_s <= 0 || log.ptr.empty()) {
    return std::nullopt;
  }
  uint64_t answered = 0;
  for (const auto& [status, n] : log.ptr) {
    answered += status == "timeout" ? 0 : n;
  }
  return static_cast<double>(answered) / run->wall_s;
}

std::string to_json_line(const run_report& r) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("scenario").value(r.scenario);
  w.key("shards").value(uint64_t{r.shards});
  w.key("repeat").value(r.repeat);
  w.key("hosts").value(r.hosts);
  w.key("max_inflight");
  r.max_inflight != 0 ? w.value(r.max_inflight) : w.null();
  if (r.run) {
    const measured_run& m = *r.run;
    const auto hosts = static_cast<double>(r.hosts);
    number(w, "wall_s", m.wall_s, 3);
    number(w, "hosts_per_s", m.wall_s > 0 ? hosts / m.wall_s : 0, 0);
    number(w, "cpu_ms_per_1k_hosts", m.cpu_s() * 1e6 / hosts, 3);
    cost(w, m);
  }
  optional_number(w, "queries", r.log.dns_queries);
  if (r.run && r.log.dns_queries && r.run->wall_s > 0) {
    number(w, "queries_per_s", static_cast<double>(*r.log.dns_queries) / r.run->wall_s, 0);
  }
  const std::optional<uint64_t> retransmits = r.retransmits();
  optional_number(w, "retransmits", retransmits);
  if (retransmits && !r.log.retransmits) {
    w.key("retransmits_from").value("queries-hosts");
  }
  if (r.log.retransmits && r.log.dns_timeouts && r.log.dns_queries && *r.log.dns_queries > 0) {
    // Every try that timed out: retried, or the last of its query.
    const uint64_t lost = *r.log.retransmits + *r.log.dns_timeouts;
    w.key("tries_lost").value(lost);
    number(w, "tries_lost_share",
           static_cast<double>(lost) / static_cast<double>(*r.log.dns_queries), 4);
  }
  counts(w, "ptr", r.log.ptr);
  counts(w, "fcrdns", r.log.fcrdns);
  if (has_probe(r.probes, "ptr") && !r.log.ptr.empty() && r.hosts != 0) {
    const uint64_t timeouts = r.log.ptr_count("timeout");
    w.key("ptr_timeouts").value(timeouts);
    // Of the PTR lookups (one per host), the share that ended in a timeout
    // after every retry.
    number(w, "timeout_share", ratio(static_cast<double>(timeouts), static_cast<double>(r.hosts)),
           4);
  }
  if (r.ip_ratelimit != 0) {
    w.key("ip_ratelimit").value(uint64_t{r.ip_ratelimit});
    if (const auto answered = r.answered_lookups_per_s(); answered) {
      const double share = *answered / r.ip_ratelimit;
      const double timeouts =
          ratio(static_cast<double>(r.log.ptr_count("timeout")), static_cast<double>(r.hosts));
      number(w, "answered_qps", *answered, 0);
      number(w, "limit_share", share, 3);
      // Unbound counts per second: a block it answers in a few seconds
      // (a smoke run's /22 fits in one) never meets the limit, so the
      // targets are judged only from 10 s' worth of queries at the limit.
      w.key("meets_targets");
      if (r.hosts >= uint64_t{10} * r.ip_ratelimit) {
        w.value(share >= target_limit_share && timeouts <= target_timeout_share);
      } else {
        w.null();
      }
    }
  }
  if (r.unbound) {
    // What the resolver saw: queries, answers from its cache, recursions,
    // queries dropped by ip-ratelimit, and requestlist overflows.
    const unbound_stats& u = *r.unbound;
    w.key("unbound_queries").value(u.queries).key("unbound_cache_answers").value(u.cache_answers);
    w.key("unbound_recursions").value(u.recursions);
    w.key("unbound_ratelimited").value(u.ratelimited);
    w.key("unbound_exceeded").value(u.exceeded).key("unbound_jostled").value(u.jostled);
  }
  if (r.log.smtp_session_limit) {
    w.key("smtp_session_limit").value(*r.log.smtp_session_limit);
  }
  if (r.check) {
    const check_result& c = *r.check;
    w.key("records").value(c.records).key("checked").value(c.checked);
    w.key("mismatched").value(c.mismatched).key("missing").value(c.missing);
    w.key("duplicates").value(c.duplicates).key("outside").value(c.outside);
    if (c.timed_out) {
      w.key("timed_out").value(*c.timed_out);
    }
    if (!c.error.empty()) {
      w.key("check_error").value(c.error);
    }
    if (c.zones) {
      w.key("zones").value(*c.zones).key("zones_checked").value(c.zones_checked);
      w.key("zones_missing").value(c.zones_missing);
      w.key("zone_duplicates").value(c.zone_duplicates);
      w.key("zone_mismatched").value(c.zone_mismatched);
      number(w, "queries_per_zone",
             ratio(static_cast<double>(c.zone_queries), static_cast<double>(c.zones_checked)), 2);
    }
  }
  if (r.baseline) {
    const baseline_run& b = *r.baseline;
    w.key("baseline").begin_object();
    w.key("probes").value(b.probes);
    number(w, "wall_s", b.run.wall_s, 3);
    number(w, "hosts_per_s", b.run.wall_s > 0 ? static_cast<double>(r.hosts) / b.run.wall_s : 0,
           0);
    cost(w, b.run);
    optional_number(w, "queries", b.log.dns_queries);
    if (b.check) {
      w.key("records").value(b.check->records).key("checked").value(b.check->checked);
      w.key("mismatched").value(b.check->mismatched).key("missing").value(b.check->missing);
      if (!b.check->error.empty()) {
        w.key("check_error").value(b.check->error);
      }
    }
    w.key("ok").value(b.passed());
    w.end_object();
    if (r.run && b.run.wall_s > 0) {
      number(w, "wall_over_baseline", r.run->wall_s / b.run.wall_s, 2);
    }
  }
  if (!r.error.empty()) {
    w.key("error").value(r.error);
  }
  w.key("ok").value(r.passed());
  w.end_object();
  w.end_line();
  return out;
}

double dnsperf_point::cpu_ms_per_1k() const {
  return run && completed > 0 ? run->cpu_s() * 1e6 / static_cast<double>(completed) : 0;
}

const dnsperf_point* reference_report::best() const {
  const dnsperf_point* best = nullptr;
  for (const auto& p : sweep) {
    if (p.error.empty() && p.run && p.run->ok() && (best == nullptr || p.qps > best->qps)) {
      best = &p;
    }
  }
  return best;
}

bool reference_report::ok() const {
  if (!error.empty()) {
    return false;
  }
  if (tool == "dnsperf") {
    return best() != nullptr;
  }
  if (tool == "ptrscan-epoll-ref") {
    return run && run->ok() && done == hosts;
  }
  return true;  // none
}

std::string to_json_line(const reference_report& r) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("scenario").value(r.scenario);
  w.key("reference").value(r.tool);
  if (!r.reason.empty()) {
    w.key("reason").value(r.reason);
  }
  if (r.tool == "dnsperf") {
    w.key("threads").value(uint64_t{r.threads}).key("clients").value(uint64_t{r.clients});
    if (const dnsperf_point* b = r.best(); b != nullptr) {
      // The best -q of the sweep, then the whole sweep.
      w.key("outstanding").value(uint64_t{b->outstanding});
      w.key("queries").value(b->sent).key("completed").value(b->completed);
      w.key("lost").value(b->lost);
      number(w, "qps", b->qps, 0);
      number(w, "cpu_ms_per_1k_queries", b->cpu_ms_per_1k(), 3);
      number(w, "wall_s", b->run->wall_s, 3);
      cost(w, *b->run);
    }
    w.key("sweep").begin_array();
    for (const auto& p : r.sweep) {
      w.begin_object();
      w.key("q").value(uint64_t{p.outstanding});
      if (p.run) {
        number(w, "qps", p.qps, 0);
        w.key("completed").value(p.completed).key("lost").value(p.lost);
        number(w, "cpu_ms_per_1k_queries", p.cpu_ms_per_1k(), 3);
        number(w, "wall_s", p.run->wall_s, 3);
        w.key("exit").value(p.run->describe());
      }
      if (!p.error.empty()) {
        w.key("error").value(p.error);
      }
      w.end_object();
    }
    w.end_array();
  } else if (r.tool == "ptrscan-epoll-ref") {
    w.key("hosts").value(r.hosts).key("max_inflight").value(r.max_inflight);
    if (r.run) {
      const measured_run& m = *r.run;
      const auto hosts = static_cast<double>(r.hosts);
      w.key("done").value(r.done);
      number(w, "wall_s", m.wall_s, 3);
      number(w, "hosts_per_s", m.wall_s > 0 ? hosts / m.wall_s : 0, 0);
      number(w, "cpu_ms_per_1k_hosts", hosts > 0 ? m.cpu_s() * 1e6 / hosts : 0, 3);
      cost(w, m);
      w.key("ptr_ok").value(r.ptr_ok).key("fcrdns_pass").value(r.fcrdns_pass);
      w.key("smtp_ok").value(r.smtp_ok).key("tls_ok").value(r.tls_ok);
      w.key("queries").value(r.dns_queries);
      number(w, "self_wall_s", r.self_wall_s, 3);
    }
  }
  if (!r.error.empty()) {
    w.key("error").value(r.error);
  }
  w.key("ok").value(r.ok());
  w.end_object();
  w.end_line();
  return out;
}

std::vector<comparison_row> compare(const std::vector<run_report>& runs,
                                    const std::vector<reference_report>& refs) {
  // The best finished ptrscan run per shard count.
  std::map<uint32_t, const run_report*> best;
  for (const auto& r : runs) {
    if (!r.run || !r.run->ok() || r.run->wall_s <= 0 || r.hosts == 0) {
      continue;
    }
    const run_report*& b = best[r.shards];
    if (b == nullptr || r.run->wall_s < b->run->wall_s) {
      b = &r;
    }
  }
  std::vector<comparison_row> rows;
  for (const auto& [shards, r] : best) {
    const double wall = r->run->wall_s;
    const double cpu = r->run->cpu_s();
    for (const auto& ref : refs) {
      comparison_row row;
      row.shards = shards;
      row.reference = ref.tool;
      if (ref.tool == "dnsperf") {
        const dnsperf_point* b = ref.best();
        if (ref.threads != shards || b == nullptr) {
          continue;
        }
        // A PTR-only scan makes one lookup per host; otherwise compare DNS
        // queries (retries included: what ptrscan put on the wire).
        double lookups = static_cast<double>(r->hosts);
        if (r->probes != "ptr") {
          if (!r->log.dns_queries || *r->log.dns_queries == 0) {
            continue;
          }
          lookups = static_cast<double>(*r->log.dns_queries);
        }
        row.reference_threads = ref.threads;
        row.unit = "lookup";
        row.ptrscan_rate = lookups / wall;
        row.ptrscan_cpu_ms_per_1k = cpu * 1e6 / lookups;
        row.reference_rate = b->qps;
        row.reference_cpu_ms_per_1k = b->cpu_ms_per_1k();
      } else if (ref.tool == "ptrscan-epoll-ref") {
        if (!ref.ok()) {
          continue;
        }
        const auto hosts = static_cast<double>(r->hosts);
        row.unit = "host";
        row.ptrscan_rate = hosts / wall;
        row.ptrscan_cpu_ms_per_1k = cpu * 1e6 / hosts;
        row.reference_rate = static_cast<double>(ref.hosts) / ref.run->wall_s;
        row.reference_cpu_ms_per_1k = ref.run->cpu_s() * 1e6 / static_cast<double>(ref.hosts);
      } else {
        continue;
      }
      rows.push_back(row);
    }
  }
  return rows;
}

std::string to_json_line(const std::string& scenario, const std::vector<comparison_row>& rows) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("scenario").value(scenario);
  w.key("comparison").begin_array();
  for (const auto& row : rows) {
    w.begin_object();
    w.key("shards").value(uint64_t{row.shards});
    w.key("reference").value(row.reference);
    if (row.reference_threads != 0) {
      w.key("reference_threads").value(uint64_t{row.reference_threads});
    }
    w.key("unit").value(row.unit);
    number(w, "ptrscan_per_s", row.ptrscan_rate, 0);
    number(w, "reference_per_s", row.reference_rate, 0);
    number(w, "rate_ratio", ratio(row.ptrscan_rate, row.reference_rate), 3);
    number(w, "ptrscan_cpu_ms_per_1k", row.ptrscan_cpu_ms_per_1k, 3);
    number(w, "reference_cpu_ms_per_1k", row.reference_cpu_ms_per_1k, 3);
    number(w, "cpu_ratio", ratio(row.ptrscan_cpu_ms_per_1k, row.reference_cpu_ms_per_1k), 3);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_line();
  return out;
}

}  // namespace ptrscan::bench
