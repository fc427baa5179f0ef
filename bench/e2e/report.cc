#include "e2e/report.h"

#include <string>

#include "output/json_writer.h"

namespace ptrscan::bench {
namespace {

// Fixed decimals keep the lines short and comparable by eye.
void number(json_writer& w, const char* key, double v, int decimals) {
  w.key(key).value_fixed(v, decimals);
}

// What the process cost, from its rusage.
void cost(json_writer& w, const measured_run& m) {
  number(w, "cpu_s", m.cpu_s(), 3);
  number(w, "user_s", m.user_s, 3);
  number(w, "sys_s", m.sys_s, 3);
  number(w, "peak_rss_mib", m.peak_rss_mib, 1);
  w.key("exit").value(m.describe());
}

}  // namespace

bool run_report::passed() const { return error.empty() && run && run->ok() && check && check->ok; }

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
  w.key("queries");
  r.log.dns_queries ? w.value(*r.log.dns_queries) : w.null();
  if (r.log.smtp_session_limit) {
    w.key("smtp_session_limit").value(*r.log.smtp_session_limit);
  }
  if (r.check) {
    const check_result& c = *r.check;
    w.key("records").value(c.records).key("checked").value(c.checked);
    w.key("mismatched").value(c.mismatched).key("missing").value(c.missing);
    w.key("duplicates").value(c.duplicates).key("outside").value(c.outside);
    if (!c.error.empty()) {
      w.key("check_error").value(c.error);
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

std::string to_json_line(const reference_report& r) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("scenario").value(r.scenario);
  w.key("reference").value(r.tool);
  if (r.run) {
    w.key("threads").value(uint64_t{r.threads}).key("clients").value(uint64_t{r.clients});
    w.key("outstanding").value(uint64_t{r.outstanding});
    w.key("queries").value(r.sent).key("completed").value(r.completed).key("lost").value(r.lost);
    // dnsperf's own rate, over its run time (not the wait for lost replies).
    number(w, "qps", r.qps, 0);
    const auto completed = static_cast<double>(r.completed);
    number(w, "cpu_ms_per_1k_queries", completed > 0 ? r.run->cpu_s() * 1e6 / completed : 0, 3);
    number(w, "wall_s", r.run->wall_s, 3);
    cost(w, *r.run);
  }
  if (!r.error.empty()) {
    w.key("error").value(r.error);
  }
  w.end_object();
  w.end_line();
  return out;
}

}  // namespace ptrscan::bench
