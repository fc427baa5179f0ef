#include "e2e/listen_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "e2e/network.h"
#include "net/ip_address.h"
#include "output/json_writer.h"

namespace ptrscan::bench {
namespace {

using json = nlohmann::json;

// The targets against the reference: at least its connections/s
// at no more than this share of its CPU per connection.
constexpr double target_rate_ratio = 1.0;
constexpr double target_cpu_ratio = 0.75;

// Where the server listens in the namespace (the simulator serves DNS only).
constexpr const char* listen_host = "127.0.0.1";
// The load's concurrency: at most this many connections at once, and at
// most 5 per /24 of the block (ptrscan listen's default --per-subnet is 10:
// no connection is refused for it).
constexpr uint32_t max_concurrency = 200;
constexpr uint32_t per_24 = 5;
constexpr const char* load_mail_from = "load@sim.test";

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The last line of `text` that parses as a JSON object with `key`.
json last_object_with(const std::string& text, const char* key) {
  json found;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains(key)) {
      found = std::move(j);
    }
  }
  return found;
}

uint64_t count_of(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string string_at(const json& j, const char* object, const char* key) {
  const auto o = j.find(object);
  if (o == j.end() || !o->is_object()) {
    return {};
  }
  const auto it = o->find(key);
  return it != o->end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Why record `j` is not what one load connection must leave, or "".
std::string check_record(const json& j, uint32_t base, std::vector<bool>& seen, bool* ptr_ok,
                         bool* fcrdns_pass) {
  if (!j.is_object()) {
    return "not a JSON object";
  }
  const auto client = j.find("client");
  if (client == j.end() || !client->is_string()) {
    return "no client";
  }
  const std::optional<ip_address> ip = ip_address::parse(client->get<std::string>());
  if (!ip || !ip->is_v4() || ip->v4_value() < base || ip->v4_value() - base >= seen.size()) {
    return "client " + client->get<std::string>() + " is not in the block";
  }
  if (seen[ip->v4_value() - base]) {
    return "a second record for " + client->get<std::string>();
  }
  seen[ip->v4_value() - base] = true;
  const auto local = j.find("local");
  if (local == j.end() || !local->is_string() ||
      local->get<std::string>() != std::string(listen_host) + ":" + std::to_string(smtp_port)) {
    return "local is not the listener";
  }
  if (string_at(j, "session", "end") != "quit") {
    return "session.end is '" + string_at(j, "session", "end") + "', not quit";
  }
  if (string_at(j, "session", "helo_verb") != "EHLO" ||
      string_at(j, "session", "mail_from") != load_mail_from) {
    return "session.helo_verb or mail_from is not the load's";
  }
  const auto timed_out = j["session"].find("verdict_timeout");
  if (string_at(j, "session", "verdict").rfind("ptr=", 0) != 0 ||
      timed_out == j["session"].end() || !timed_out->is_boolean() || timed_out->get<bool>()) {
    return "no verdict, or it timed out";
  }
  const std::string ptr = string_at(j, "ptr", "status");
  if (ptr != "ok" && ptr != "nxdomain") {
    return "ptr.status '" + ptr + "' (the simulator answers every name)";
  }
  if (ptr == "ok" && (!j["ptr"].contains("names") || j["ptr"]["names"].empty())) {
    return "ptr ok without names";
  }
  const std::string fcrdns = string_at(j, "fcrdns", "status");
  if (fcrdns != "pass" && fcrdns != "fail" && fcrdns != "none") {
    return "fcrdns.status '" + fcrdns + "'";
  }
  if (!j.contains("ms") || !j["ms"].contains("total") || j.contains("truncated")) {
    return "no ms.total, or a cap cut something";
  }
  *ptr_ok = ptr == "ok";
  *fcrdns_pass = fcrdns == "pass";
  return {};
}

void number(json_writer& w, const char* key, double v, int decimals) {
  w.key(key).value_fixed(v, decimals);
}

void cost(json_writer& w, const char* prefix, const measured_run& m) {
  const std::string p(prefix);
  number(w, (p + "cpu_s").c_str(), m.cpu_s(), 3);
  number(w, (p + "user_s").c_str(), m.user_s, 3);
  number(w, (p + "sys_s").c_str(), m.sys_s, 3);
  number(w, (p + "peak_rss_mib").c_str(), m.peak_rss_mib, 1);
  w.key((p + "exit").c_str()).value(m.describe());
}

}  // namespace

bool listen_report::passed() const {
  return error.empty() && server_run && server_run->ok() && load_run && load_run->ok() &&
         load_ok == connections && (server != "ptrscan" || (records == connections &&
                                                             bad_records == 0));
}

double listen_report::cpu_ms_per_1k() const {
  return server_run && connections > 0
             ? server_run->cpu_s() * 1e6 / static_cast<double>(connections)
             : 0;
}

listen_report run_listen(const scenario_setup& setup, listen_server server, uint32_t shards,
                         int repeat) {
  const bench_options& o = setup.options;
  const bool reference = server != listen_server::ptrscan;
  listen_report r;
  r.server = server == listen_server::ptrscan     ? "ptrscan"
             : server == listen_server::reference ? "ptrscan-listen-ref"
                                                  : "ptrscan-listen-ref --fcrdns";
  r.fcrdns = server != listen_server::reference;
  r.shards = reference ? 0 : shards;
  r.repeat = repeat;
  r.connections = benchmark_block_size(o.hosts);
  const uint64_t n24 = std::max<uint64_t>(r.connections / 256, 1);
  r.concurrency = static_cast<uint32_t>(std::min<uint64_t>(max_concurrency, per_24 * n24));
  const std::string dir = setup.dir + "/" +
                          (server == listen_server::ptrscan       ? "T" + std::to_string(shards)
                           : server == listen_server::reference ? std::string("ref")
                                                                : std::string("ref-fcrdns")) +
                          "-run" + std::to_string(repeat);
  std::filesystem::create_directories(dir);
  const std::string listen = std::string(listen_host) + ":" + std::to_string(smtp_port);
  const std::string resolver = std::string(resolver_host) + ":" + std::to_string(dns_port);
  const std::string output = dir + "/out.ndjson";
  const std::string n = std::to_string(r.connections);
  // ptrscan listen with its defaults: only where it listens, where its
  // records go, the namespace's resolver, -T, and -n (it exits by itself
  // after one record per connection).
  std::vector<std::string> server_argv =
      reference ? std::vector<std::string>{o.listen_ref, "--listen", listen, "--resolver",
                                           resolver, "-n", n}
                : std::vector<std::string>{o.ptrscan, "listen", "-l", listen, "-o", output,
                                           "--resolver", resolver, "-n", n, "-T",
                                           std::to_string(shards)};
  if (!reference) {
    server_argv.insert(server_argv.end(), o.ptrscan_args.begin(), o.ptrscan_args.end());
  } else if (r.fcrdns) {
    server_argv.emplace_back("--fcrdns");
  }
  const std::vector<std::string> load_argv = {
      o.listen_load, "--server", listen, "--sources", o.hosts, "--connections", n,
      "--concurrency", std::to_string(r.concurrency), "--mail-from", load_mail_from};
  const std::string server_log = dir + "/server.log";
  const std::string load_log = dir + "/load.log";
  try {
    const auto network = bench_network::start(setup.s, setup.simnet, {}, dir, o.hosts,
                                              o.deadline + std::chrono::seconds(300));
    // The server in a thread of its own (created in the namespace, so it
    // and what it forks are in it); the load once it listens.
    std::string server_error;
    std::atomic<bool> server_done{false};
    std::thread t([&] {
      try {
        r.server_run = run_measured(server_argv, server_log, o.deadline);
      } catch (const std::exception& e) {
        server_error = e.what();
      }
      server_done = true;
    });
    bool listening = false;
    for (int i = 0; i < 3000 && !server_done && !listening; ++i) {  // at most 60 s
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      listening = read_text(server_log).find("listening on") != std::string::npos;
    }
    if (listening) {
      try {
        r.load_run = run_measured(load_argv, load_log, o.deadline);
      } catch (const std::exception& e) {
        r.error = e.what();
      }
    } else {
      r.error = "the server did not listen: " + read_text(server_log);
    }
    // Every connection ends as a record (the server's -n): it exits by
    // itself, at the latest at the deadline.
    t.join();
    if (!server_error.empty()) {
      r.error = server_error;
    }
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
  const json load = last_object_with(read_text(load_log), "connections");
  r.load_ok = count_of(load, "ok");
  r.load_failed = count_of(load, "failed");
  r.verdict_ptr_ok = count_of(load, "verdict_ptr_ok");
  r.verdict_fcrdns_pass = count_of(load, "verdict_fcrdns_pass");
  if (const auto it = load.find("wall_s"); it != load.end() && it->is_number()) {
    r.load_wall_s = it->get<double>();
  }
  if (!load.is_object() && r.error.empty()) {
    r.error = "ptrscan-listen-load printed no JSON line";
  }
  if (reference) {
    const json ref = last_object_with(read_text(server_log), "connections");
    r.records = count_of(ref, "connections");
    r.ptr_ok = count_of(ref, "ptr_ok");
    r.fcrdns_pass = count_of(ref, "fcrdns_pass");
    if (r.fcrdns && !ref.contains("fcrdns_pass") && r.error.empty()) {
      r.error = "ptrscan-listen-ref --fcrdns printed no fcrdns_pass";
    }
    if (ref.is_object() && ref.contains("dns_sent")) {
      r.dns_queries = count_of(ref, "dns_sent");
    }
  } else {
    // "ptrscan listen: ... dns: N queries sent, ..." (its summary line).
    const std::string log = read_text(server_log);
    if (const size_t at = log.rfind("dns: "); at != std::string::npos) {
      r.dns_queries = std::strtoull(log.c_str() + at + 5, nullptr, 10);
    }
    const uint32_t base =
        ip_address::parse(o.hosts.substr(0, o.hosts.find('/'))).value().v4_value();
    std::vector<bool> seen(r.connections, false);
    std::ifstream in(output);
    for (std::string line; std::getline(in, line);) {
      ++r.records;
      bool ok = false;
      bool pass = false;
      const std::string why =
          check_record(json::parse(line, nullptr, false), base, seen, &ok, &pass);
      if (!why.empty()) {
        if (r.bad_records++ == 0) {
          r.first_bad_record = why;
        }
      }
      r.ptr_ok += ok ? 1 : 0;
      r.fcrdns_pass += pass ? 1 : 0;
    }
  }
  // The server's verdicts and what the load read agree.
  if (r.error.empty() && r.ptr_ok != r.verdict_ptr_ok) {
    r.error = "the server saw " + std::to_string(r.ptr_ok) + " PTRs, its RCPT replies said " +
              std::to_string(r.verdict_ptr_ok);
  }
  if (r.error.empty() && r.fcrdns_pass != r.verdict_fcrdns_pass) {
    r.error = "the server saw " + std::to_string(r.fcrdns_pass) +
              " FCrDNS passes, its RCPT replies said " + std::to_string(r.verdict_fcrdns_pass);
  }
  return r;
}

std::string to_json_line(const listen_report& r) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("scenario").value("listen");
  w.key("server").value(r.server);
  if (r.shards != 0) {
    w.key("shards").value(uint64_t{r.shards});
  }
  w.key("repeat").value(r.repeat);
  w.key("connections").value(r.connections);
  w.key("concurrency").value(uint64_t{r.concurrency});
  number(w, "wall_s", r.load_wall_s, 3);
  number(w, "connections_per_s", r.per_s(), 0);
  number(w, "cpu_ms_per_1k_connections", r.cpu_ms_per_1k(), 3);
  if (r.server_run) {
    number(w, "server_wall_s", r.server_run->wall_s, 3);
    cost(w, "", *r.server_run);
  }
  if (r.load_run) {
    cost(w, "load_", *r.load_run);
  }
  w.key("load_ok").value(r.load_ok).key("load_failed").value(r.load_failed);
  w.key("records").value(r.records);
  if (r.server == "ptrscan") {
    w.key("bad_records").value(r.bad_records);
    if (!r.first_bad_record.empty()) {
      w.key("first_bad_record").value(r.first_bad_record);
    }
  }
  w.key("ptr_ok").value(r.ptr_ok);
  if (r.fcrdns) {
    w.key("fcrdns_pass").value(r.fcrdns_pass);
  }
  if (r.dns_queries) {
    w.key("dns_queries").value(*r.dns_queries);
    number(w, "dns_queries_per_connection", r.dns_per_connection(), 2);
  }
  if (!r.error.empty()) {
    w.key("error").value(r.error);
  }
  w.key("ok").value(r.passed());
  w.end_object();
  w.end_line();
  return out;
}

std::string listen_comparison_line(const std::vector<listen_report>& ptrscan_runs,
                                   const listen_report& reference, int repeat) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("scenario").value("listen");
  w.key("repeat").value(repeat);
  w.key("comparison").begin_array();
  for (const listen_report& p : ptrscan_runs) {
    if (!p.passed() || !reference.passed()) {
      continue;
    }
    const double rate = reference.per_s() > 0 ? p.per_s() / reference.per_s() : 0;
    const double cpu =
        reference.cpu_ms_per_1k() > 0 ? p.cpu_ms_per_1k() / reference.cpu_ms_per_1k() : 0;
    w.begin_object();
    w.key("shards").value(uint64_t{p.shards});
    w.key("reference").value(reference.server);
    w.key("unit").value("connection");
    number(w, "ptrscan_per_s", p.per_s(), 0);
    number(w, "reference_per_s", reference.per_s(), 0);
    number(w, "rate_ratio", rate, 3);
    number(w, "ptrscan_cpu_ms_per_1k", p.cpu_ms_per_1k(), 3);
    number(w, "reference_cpu_ms_per_1k", reference.cpu_ms_per_1k(), 3);
    number(w, "cpu_ratio", cpu, 3);
    // The reference looks up the PTR only (--fcrdns: and its first name's
    // A); ptrscan also the PTR name's A/AAAA, the HELO's A/AAAA/MX/TXT and
    // the MAIL FROM domain's TXT.
    number(w, "ptrscan_dns_per_connection", p.dns_per_connection(), 2);
    number(w, "reference_dns_per_connection", reference.dns_per_connection(), 2);
    // Both saw the same simulated network: as many clients with a PTR.
    w.key("ptr_ok_agree").value(p.ptr_ok == reference.ptr_ok);
    if (reference.fcrdns) {
      // The simulator gives each address at most one PTR name and that name
      // at most one A: the first name's A decides as ptrscan's FCrDNS does.
      w.key("fcrdns_pass_agree").value(p.fcrdns_pass == reference.fcrdns_pass);
    }
    w.key("meets_targets").value(rate >= target_rate_ratio && cpu <= target_cpu_ratio);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.end_line();
  return out;
}

}  // namespace ptrscan::bench
