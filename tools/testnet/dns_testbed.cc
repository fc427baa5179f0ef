#include "testnet/dns_testbed.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "testnet/dns_probe.h"
#include "testnet/files.h"

namespace ptrscan::testnet {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds since(clock_type::time_point start) {
  return std::chrono::duration_cast<milliseconds>(clock_type::now() - start);
}

// True when `server` answers the SOA of every zone with NOERROR and data
// (and, for an authoritative server, with the AA bit).
bool answers_all_soa(const endpoint& server, const std::vector<zone_spec>& zones,
                     bool authoritative) {
  for (const auto& z : zones) {
    auto reply = query_udp(server, normalise_name(z.origin), rr_type::soa, milliseconds(500));
    if (!reply || reply->rcode != rcode::noerror || reply->ancount == 0 ||
        (authoritative && !reply->authoritative)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string normalise_name(std::string name) {
  while (!name.empty() && name.back() == '.') {
    name.pop_back();
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

std::unique_ptr<dns_testbed> dns_testbed::start(const testbed_options& options) {
  std::unique_ptr<dns_testbed> bed(new dns_testbed());
  bed->dir_ = make_temp_dir("ptrscan-testbed");
  const std::string host = random_loopback_v4();
  bed->authoritative_ = {host, free_port(host)};
  do {
    bed->resolver_ = {host, free_port(host)};
  } while (bed->resolver_.port == bed->authoritative_.port);
  do {
    bed->dead_ = {host, free_port(host)};
  } while (bed->dead_.port == bed->authoritative_.port || bed->dead_.port == bed->resolver_.port);

  auto t0 = clock_type::now();
  bed->write_files(options);
  bed->timings_.write_files = since(t0);
  bed->start_knot(options);
  bed->start_unbound(options);
  return bed;
}

dns_testbed::~dns_testbed() {
  unbound_.stop();
  knot_.stop();
  if (dir_.empty()) {
    return;
  }
  if (keep_requested()) {
    std::cerr << "testbed: kept " << dir_ << " (PTRSCAN_KEEP_TESTBED=1)\n";
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void dns_testbed::write_files(const testbed_options& options) {
  if (options.zones.empty()) {
    throw std::runtime_error("dns_testbed: no zones");
  }
  std::string knot_conf =
      "server:\n"
      "    listen: " + authoritative_.at_form() + "\n"
      "    rundir: \"" + dir_ + "\"\n"
      "    udp-workers: 2\n"
      "    tcp-workers: 1\n"
      "    background-workers: 1\n"
      "database:\n"
      "    storage: \"" + dir_ + "\"\n"
      "log:\n"
      "  - target: stderr\n"
      "    any: info\n"
      "template:\n"
      "  - id: default\n"
      "    storage: \"" + dir_ + "\"\n"
      "    file: \"%s.zone\"\n"
      "    semantic-checks: off\n"
      "    zonefile-sync: -1\n"
      "    journal-content: none\n"
      "zone:\n";
  for (const auto& z : options.zones) {
    const std::string origin = normalise_name(z.origin);
    knot_conf += "  - domain: \"" + origin + ".\"\n";
    std::string text = "$ORIGIN " + origin + ".\n$TTL 3600\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ NS ns.test.\n";
    text += z.records;
    if (!text.empty() && text.back() != '\n') {
      text += '\n';
    }
    write_file(dir_ + "/" + origin + ".zone", text);
  }
  write_file(dir_ + "/knot.conf", knot_conf);

  // Root hints that name only a loopback server: even if something made the
  // iterator prime the root, it could not reach a real one.
  write_file(dir_ + "/root.hints", ".  3600000 NS loopback-root.invalid.\n"
                                   "loopback-root.invalid. 3600000 A " + dead_.host + "\n");

  std::string ub =
      "server:\n"
      "    interface: " + resolver_.at_form() + "\n"
      "    port: " + std::to_string(resolver_.port) + "\n"
      "    outgoing-interface: " + resolver_.host + "\n"
      "    do-ip4: yes\n"
      "    do-ip6: no\n"
      "    do-udp: yes\n"
      "    do-tcp: yes\n"
      "    access-control: 127.0.0.0/8 allow\n"
      "    do-daemonize: no\n"
      "    username: \"\"\n"
      "    chroot: \"\"\n"
      "    directory: \"" + dir_ + "\"\n"
      "    pidfile: \"" + dir_ + "/unbound.pid\"\n"
      "    root-hints: \"" + dir_ + "/root.hints\"\n"
      "    use-syslog: no\n"
      "    logfile: \"\"\n"
      "    verbosity: 1\n"
      "    num-threads: 2\n"
      // One shared listening socket, not one per thread: ptrscan sends from
      // a few sockets only, and SO_REUSEPORT's 4-tuple hash put nearly all
      // of them on one thread, whose socket overflowed (measured: 13k drops
      // and 1.9k PTR timeouts in a /16 scan). A large receive buffer absorbs
      // the bursts of a scan with thousands of queries in flight.
      "    so-reuseport: no\n"
      "    so-rcvbuf: 4m\n"
      "    module-config: \"iterator\"\n"
      "    do-not-query-localhost: no\n"
      "    qname-minimisation: no\n"
      "    harden-referral-path: no\n"
      "    target-fetch-policy: \"0 0 0 0 0\"\n"
      "    num-queries-per-thread: 4096\n"
      "    outgoing-range: 8192\n"
      "    msg-cache-size: 64m\n"
      "    rrset-cache-size: 128m\n"
      "    local-zone: \".\" refuse\n";
  auto add_local = [&ub](const std::string& zone) {
    // transparent also overrides unbound's built-in local zones (test.,
    // 8.b.d.0.1.0.0.2.ip6.arpa., ...), so the stubs below get the queries.
    ub += "    local-zone: \"" + normalise_name(zone) + ".\" transparent\n";
  };
  for (const auto& z : options.zones) {
    add_local(z.origin);
  }
  for (const auto& d : options.dead_zones) {
    add_local(d);
  }
  for (const auto& line : options.unbound_extra) {
    ub += "    " + line + "\n";
  }
  for (const auto& z : options.zones) {
    ub += "stub-zone:\n    name: \"" + normalise_name(z.origin) + ".\"\n    stub-addr: " +
          authoritative_.at_form() + "\n";
  }
  // A "dead" zone is a lame delegation: its stub is knot, which does not
  // serve it and answers REFUSED, so unbound gives SERVFAIL at once. (A stub
  // where nothing listens needed an RTT cap to fail in time, and that cap
  // turned slow answers under CPU load into spurious SERVFAILs.)
  for (const auto& d : options.dead_zones) {
    ub += "stub-zone:\n    name: \"" + normalise_name(d) + ".\"\n    stub-addr: " +
          authoritative_.at_form() + "\n";
  }
  // Anything not under a stub goes to knot, which refuses it: never the root.
  ub += "forward-zone:\n    name: \".\"\n    forward-addr: " + authoritative_.at_form() + "\n";
  ub += "remote-control:\n    control-enable: no\n";
  write_file(dir_ + "/unbound.conf", ub);
}

void dns_testbed::start_knot(const testbed_options& options) {
  const auto t0 = clock_type::now();
  knot_ = daemon_process::start({"knotd", "-c", dir_ + "/knot.conf"}, dir_ + "/knotd.log");
  const endpoint server = authoritative_;
  const auto& zones = options.zones;
  if (!knot_.wait_ready([&] { return answers_all_soa(server, zones, true); },
                        options.ready_timeout)) {
    throw std::runtime_error("knotd not ready (" + knot_.exit_description() + ") in " + dir_ +
                             "\n" + knot_.log_tail());
  }
  timings_.knot_ready = since(t0);
}

void dns_testbed::start_unbound(const testbed_options& options) {
  const auto t0 = clock_type::now();
  unbound_ =
      daemon_process::start({"unbound", "-d", "-c", dir_ + "/unbound.conf"}, dir_ + "/unbound.log");
  const endpoint server = resolver_;
  const auto& zones = options.zones;
  if (!unbound_.wait_ready([&] { return answers_all_soa(server, zones, false); },
                           options.ready_timeout)) {
    throw std::runtime_error("unbound not ready (" + unbound_.exit_description() + ") in " +
                             dir_ + "\n" + unbound_.log_tail());
  }
  timings_.unbound_ready = since(t0);
}

bool dns_testbed::healthy() { return knot_.running() && unbound_.running(); }

std::string dns_testbed::logs() const {
  return "--- knotd.log\n" + knot_.log_tail() + "\n--- unbound.log\n" + unbound_.log_tail();
}

}  // namespace ptrscan::testnet
