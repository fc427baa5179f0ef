#include "e2e/unbound.h"

#include <charconv>
#include <stdexcept>

#include "testnet/dns_probe.h"
#include "testnet/files.h"

namespace ptrscan::bench {
namespace {

// The simulator's forward zone (tools/simnet/names.h): every PTR name.
constexpr const char* forward_zone = "sim.test";

// The number right before `label` in `line` ("469 queries"), or 0.
uint64_t number_before(std::string_view line, std::string_view label) {
  const size_t at = line.find(label);
  if (at == std::string_view::npos) {
    return 0;
  }
  size_t begin = at;
  while (begin > 0 && line[begin - 1] >= '0' && line[begin - 1] <= '9') {
    --begin;
  }
  uint64_t v = 0;
  std::from_chars(line.data() + begin, line.data() + at, v);
  return v;
}

// The number right after `label` in `line` ("exceeded 0"), or 0.
uint64_t number_after(std::string_view line, std::string_view label) {
  const size_t at = line.find(label);
  if (at == std::string_view::npos) {
    return 0;
  }
  const char* begin = line.data() + at + label.size();
  uint64_t v = 0;
  std::from_chars(begin, line.data() + line.size(), v);
  return v;
}

}  // namespace

std::optional<unbound_stats> parse_unbound_stats(std::string_view log) {
  std::optional<unbound_stats> stats;
  constexpr std::string_view marker = "server stats for thread ";
  while (!log.empty()) {
    const size_t eol = log.find('\n');
    const std::string_view line = log.substr(0, eol);
    log.remove_prefix(eol == std::string_view::npos ? log.size() : eol + 1);
    if (line.find(marker) == std::string_view::npos) {
      continue;
    }
    unbound_stats& s = stats ? *stats : stats.emplace();
    if (line.find(" requestlist max ") != std::string_view::npos) {
      s.exceeded += number_after(line, " exceeded ");
      s.jostled += number_after(line, " jostled ");
    } else {
      s.queries += number_before(line, " queries,");
      s.cache_answers += number_before(line, " answers from cache");
      s.recursions += number_before(line, " recursions");
      s.ratelimited += number_before(line, " rejected by ip ratelimiting");
    }
  }
  return stats;
}

std::vector<std::string> simulated_zones() {
  // 198.18.0.0/15: both /16 reverse zones, whatever the scanned block.
  return {"18.198.in-addr.arpa", "19.198.in-addr.arpa", forward_zone};
}

std::string unbound_config(const std::string& dir, const unbound_settings& s) {
  const std::string authority = s.authority.at_form();
  std::string c =
      "server:\n"
      "    interface: " + s.listen.at_form() + "\n"
      "    port: " + std::to_string(s.listen.port) + "\n"
      "    outgoing-interface: " + s.listen.host + "\n"
      "    do-ip4: yes\n"
      "    do-ip6: no\n"
      "    do-udp: yes\n"
      "    do-tcp: yes\n"
      "    access-control: 127.0.0.0/8 allow\n"
      "    do-daemonize: no\n"
      "    username: \"\"\n"
      "    chroot: \"\"\n"
      "    directory: \"" + dir + "\"\n"
      "    pidfile: \"" + dir + "/unbound.pid\"\n"
      "    root-hints: \"" + dir + "/root.hints\"\n"
      "    use-syslog: no\n"
      "    logfile: \"\"\n"
      "    verbosity: 1\n"
      // Two threads sharing one listening socket (tools/testnet's reasons:
      // SO_REUSEPORT's 4-tuple hash put most of a few client sockets on one
      // thread) with a receive buffer that absorbs bursts.
      "    num-threads: 2\n"
      "    so-reuseport: no\n"
      "    so-rcvbuf: 4m\n"
      "    so-sndbuf: 4m\n"
      // Not the bottleneck: 4,096 recursions at once per thread (8,192 in
      // all: at the cold scenario's 100 ms per upstream answer, room for
      // ~80k recursions/s, far past what two shared cores resolve), and
      // twice as many outgoing ports per thread, as Unbound advises. (Two
      // threads of 16,384 ports would need more descriptors than a 20,000
      // hard limit allows, and Unbound would quietly use fewer.)
      "    num-queries-per-thread: 4096\n"
      "    outgoing-range: 8192\n"
      "    msg-cache-size: 128m\n"
      "    rrset-cache-size: 256m\n"
      "    module-config: \"iterator\"\n"
      // The authority is on loopback, which Unbound refuses to query unless
      // told.
      "    do-not-query-localhost: no\n"
      "    qname-minimisation: no\n"
      "    harden-referral-path: no\n"
      "    target-fetch-policy: \"0 0 0 0 0\"\n"
      "    prefetch: no\n"
      "    local-zone: \".\" refuse\n";
  for (const auto& z : s.zones) {
    // transparent overrides any built-in local zone (test. is one; Unbound
    // answers special-purpose names and reverse zones itself otherwise), so
    // the stubs below get the queries.
    c += "    local-zone: \"" + z + ".\" transparent\n";
  }
  if (s.ip_ratelimit != 0) {
    // Per client address, counted per second; factor 0: every query over
    // the limit is dropped (see scenario.cc).
    c += "    ip-ratelimit: " + std::to_string(s.ip_ratelimit) + "\n";
    c += "    ip-ratelimit-factor: 0\n";
  }
  for (const auto& z : s.zones) {
    c += "stub-zone:\n    name: \"" + z + ".\"\n    stub-addr: " + authority + "\n";
  }
  // Anything else goes to the authority, which refuses it: never the root.
  c += "forward-zone:\n    name: \".\"\n    forward-addr: " + authority + "\n";
  c += "remote-control:\n    control-enable: no\n";
  return c;
}

testnet::daemon_process start_unbound(const std::string& dir, const unbound_settings& s,
                                      std::chrono::milliseconds timeout) {
  // Root hints that name only the authority: even if something made the
  // iterator prime the root, it could not leave loopback.
  testnet::write_file(dir + "/root.hints",
                      ".  3600000 NS loopback-root.invalid.\n"
                      "loopback-root.invalid. 3600000 A " + s.authority.host + "\n");
  testnet::write_file(dir + "/unbound.conf", unbound_config(dir, s));
  testnet::daemon_process unbound = testnet::daemon_process::start(
      {"unbound", "-d", "-c", dir + "/unbound.conf"}, dir + "/unbound.log");
  auto answers = [&] {
    const auto reply = testnet::query_udp(s.listen, forward_zone, testnet::rr_type::soa,
                                          std::chrono::milliseconds(500));
    return reply && (reply->rcode == testnet::rcode::noerror ||
                     reply->rcode == testnet::rcode::nxdomain);
  };
  if (!unbound.wait_ready(answers, timeout)) {
    throw std::runtime_error("unbound not ready (" + unbound.exit_description() + "):\n" +
                             unbound.log_tail());
  }
  return unbound;
}

}  // namespace ptrscan::bench
