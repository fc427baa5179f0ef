// The reverse-zone audit (--probes zone) against real servers: five knotd
// instances on separate loopback addresses (one port for all, given to
// ptrscan as --zone-ns-port, so no privileged port is needed) and unbound in
// front of them. The parent (77.10.in-addr.arpa, the forward zone of the NS
// names, an ip6.arpa /48) delegates:
//   1.77.10   healthy: ns1 + ns2 agree (the test asserts no finding)
//   2.77.10   lame: lame.zt.test is not configured for it (REFUSED)
//   3.77.10   ns2 serves a stale serial
//   4.77.10   the parent says ns1 + ns2, the zone itself ns1 + ns3
//   0-15.5.77.10  an RFC 2317 classless delegation (the /24 CNAMEs into it)
//   0.0.0.0.7.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa  an IPv6 /64 nibble zone
// and the test asserts every finding of every zone, the hosts' coverage and
// the naming templates.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "testnet/dns_probe.h"
#include "testnet/dns_testbed.h"
#include "testnet/files.h"
#include "testnet/loopback.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* v6_parent = "7.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
constexpr const char* v6_zone = "0.0.0.0.7.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa";

std::string soa(int serial) {
  return "@ SOA ns.zt.test. hostmaster.zt.test. " + std::to_string(serial) +
         " 3600 600 864000 300\n";
}

/// One knotd with its own directory and zones (origin -> records after the
/// SOA, which is written here).
struct knot_server {
  std::string host;
  std::map<std::string, std::string> zones;
  daemon_process process;
};

class ZoneAudit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (find_executable("knotd").empty() || find_executable("unbound").empty()) {
      GTEST_SKIP() << "knotd and unbound are required";
    }
    dir_ = make_temp_dir("ptrscan-zone");
    std::string net[3];
    for (std::string& n : net) {
      n = random_loopback_24();
    }
    parent_ = {net[0] + "10", {}, {}};
    ns1_ = {net[0] + "11", {}, {}};
    ns2_ = {net[1] + "12", {}, {}};
    ns3_ = {net[2] + "13", {}, {}};
    lame_ = {net[2] + "14", {}, {}};
    const std::string resolver_host = net[0] + "20";
    port_ = free_port_on_all({parent_.host, ns1_.host, ns2_.host, ns3_.host, lame_.host});
    resolver_ = endpoint{resolver_host, free_port(resolver_host)};

    parent_.zones["77.10.in-addr.arpa"] =
        soa(1) +
        "@ NS ns.zt.test.\n"
        "1 NS ns1.zt.test.\n1 NS ns2.zt.test.\n"
        "2 NS ns1.zt.test.\n2 NS lame.zt.test.\n"
        "3 NS ns1.zt.test.\n3 NS ns2.zt.test.\n"
        "4 NS ns1.zt.test.\n4 NS ns2.zt.test.\n"
        "0-15.5 NS ns1.zt.test.\n0-15.5 NS ns2.zt.test.\n"
        "1.5 CNAME 1.0-15.5\n2.5 CNAME 2.0-15.5\n";
    parent_.zones["zt.test"] = soa(1) + "@ NS ns.zt.test.\nns A " + parent_.host +
                               "\nns1 A " + ns1_.host + "\nns2 A " + ns2_.host + "\nns3 A " +
                               ns3_.host + "\nlame A " + lame_.host + "\n";
    parent_.zones[v6_parent] = soa(1) +
                               "@ NS ns.zt.test.\n"
                               "0.0.0.0 NS ns1.zt.test.\n0.0.0.0 NS ns2.zt.test.\n";
    std::string healthy = "@ NS ns1.zt.test.\n@ NS ns2.zt.test.\n";
    for (int i = 1; i <= 6; ++i) {
      healthy += std::to_string(i) + " PTR 10-77-1-" + std::to_string(i) + ".dyn.zt.test.\n";
    }
    healthy += "7 PTR mail.zt.test.\n";  // the deviant; 8 has no PTR
    const std::string classless =
        "@ NS ns1.zt.test.\n@ NS ns2.zt.test.\n1 PTR c1.zt.test.\n2 PTR c2.zt.test.\n";
    const std::string six = "@ NS ns1.zt.test.\n@ NS ns2.zt.test.\n"
                            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR host-1.v6.zt.test.\n";
    for (knot_server* s : {&ns1_, &ns2_}) {
      s->zones["1.77.10.in-addr.arpa"] = soa(10) + healthy;
      s->zones["0-15.5.77.10.in-addr.arpa"] = soa(3) + classless;
      s->zones[v6_zone] = soa(2) + six;
      s->zones["4.77.10.in-addr.arpa"] =
          soa(8) + "@ NS ns1.zt.test.\n@ NS ns3.zt.test.\n1 PTR four.zt.test.\n";
    }
    ns1_.zones["2.77.10.in-addr.arpa"] =
        soa(6) + "@ NS ns1.zt.test.\n@ NS lame.zt.test.\n1 PTR two.zt.test.\n";
    ns1_.zones["3.77.10.in-addr.arpa"] =
        soa(5) + "@ NS ns1.zt.test.\n@ NS ns2.zt.test.\n1 PTR three.zt.test.\n";
    ns2_.zones["3.77.10.in-addr.arpa"] =
        soa(4) + "@ NS ns1.zt.test.\n@ NS ns2.zt.test.\n1 PTR three.zt.test.\n";
    ns3_.zones["4.77.10.in-addr.arpa"] = ns1_.zones["4.77.10.in-addr.arpa"];
    lame_.zones["lame.test"] = soa(1) + "@ NS ns.zt.test.\n";

    for (knot_server* s : servers()) {
      start_knot(*s);
    }
    start_unbound();
  }

  static void TearDownTestSuite() {
    unbound_.stop();
    for (knot_server* s : servers()) {
      s->process.stop();
    }
    if (!dir_.empty() && !keep_requested()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  static std::vector<knot_server*> servers() { return {&parent_, &ns1_, &ns2_, &ns3_, &lame_}; }

  static void start_knot(knot_server& s) {
    const std::string d = dir_ + "/" + s.host;
    std::filesystem::create_directories(d);
    std::string conf = "server:\n    listen: " + s.host + "@" + std::to_string(port_) +
                       "\n    rundir: \"" + d +
                       "\"\n    udp-workers: 1\n    tcp-workers: 1\n    background-workers: 1\n"
                       "database:\n    storage: \"" + d +
                       "\"\nlog:\n  - target: stderr\n    any: info\n"
                       "template:\n  - id: default\n    storage: \"" + d +
                       "\"\n    file: \"%s.zone\"\n    semantic-checks: off\n"
                       "    zonefile-sync: -1\n    journal-content: none\nzone:\n";
    for (const auto& [origin, records] : s.zones) {
      conf += "  - domain: \"" + origin + ".\"\n";
      write_file(d + "/" + origin + ".zone",
                 "$ORIGIN " + origin + ".\n$TTL 86400\n" + records);
    }
    write_file(d + "/knot.conf", conf);
    s.process = daemon_process::start({"knotd", "-c", d + "/knot.conf"}, d + "/knotd.log");
    const endpoint at{s.host, port_};
    const bool ready = s.process.wait_ready(
        [&] {
          for (const auto& [origin, records] : s.zones) {
            auto r = query_udp(at, origin, rr_type::soa, 500ms);
            if (!r || r->rcode != rcode::noerror || !r->authoritative) {
              return false;
            }
          }
          return true;
        },
        60s);
    if (!ready) {
      throw std::runtime_error("knotd on " + s.host + " not ready:\n" + s.process.log_tail());
    }
  }

  static void start_unbound() {
    const std::string at = "@" + std::to_string(port_);
    std::string ub = "server:\n    interface: " + resolver_.host + "@" +
                     std::to_string(resolver_.port) + "\n    port: " +
                     std::to_string(resolver_.port) + "\n    outgoing-interface: " +
                     resolver_.host +
                     "\n    do-ip6: no\n    access-control: 127.0.0.0/8 allow\n"
                     "    do-daemonize: no\n    username: \"\"\n    chroot: \"\"\n"
                     "    directory: \"" + dir_ + "\"\n    pidfile: \"" + dir_ +
                     "/unbound.pid\"\n    use-syslog: no\n    logfile: \"\"\n"
                     "    num-threads: 1\n    module-config: \"iterator\"\n"
                     "    do-not-query-localhost: no\n    qname-minimisation: no\n"
                     "    harden-referral-path: no\n    target-fetch-policy: \"0 0 0 0 0\"\n"
                     "    root-hints: \"" + dir_ + "/root.hints\"\n"
                     "    local-zone: \".\" refuse\n";
    // Stubs name the servers with their port: unbound follows a referral
    // only to port 53, and the servers here listen elsewhere.
    const std::vector<std::pair<std::string, std::vector<const knot_server*>>> stubs = {
        {"77.10.in-addr.arpa", {&parent_}},
        {"zt.test", {&parent_}},
        {v6_parent, {&parent_}},
        {"1.77.10.in-addr.arpa", {&ns1_, &ns2_}},
        {"2.77.10.in-addr.arpa", {&ns1_}},
        {"3.77.10.in-addr.arpa", {&ns1_}},
        {"4.77.10.in-addr.arpa", {&ns1_, &ns3_}},
        {"0-15.5.77.10.in-addr.arpa", {&ns1_, &ns2_}},
        {v6_zone, {&ns1_, &ns2_}},
    };
    for (const auto& [zone, list] : stubs) {
      ub += "    local-zone: \"" + zone + ".\" transparent\n";
    }
    for (const auto& [zone, list] : stubs) {
      ub += "stub-zone:\n    name: \"" + zone + ".\"\n";
      for (const knot_server* s : list) {
        ub += "    stub-addr: " + s->host + at + "\n";
      }
    }
    ub += "remote-control:\n    control-enable: no\n";
    write_file(dir_ + "/root.hints",
               ".  3600000 NS loopback-root.invalid.\nloopback-root.invalid. 3600000 A " +
                   parent_.host + "\n");
    write_file(dir_ + "/unbound.conf", ub);
    unbound_ = daemon_process::start({"unbound", "-d", "-c", dir_ + "/unbound.conf"},
                                     dir_ + "/unbound.log");
    if (!unbound_.wait_ready(
            [] {
              auto r = query_udp(resolver_, "1.77.10.in-addr.arpa", rr_type::soa, 500ms);
              return r && r->rcode == rcode::noerror;
            },
            60s)) {
      throw std::runtime_error("unbound not ready:\n" + unbound_.log_tail());
    }
  }

  /// Runs the audit over the targets; returns the zone records by zone.
  /// With `one_thread` (-T 1) every zone record must follow every host
  /// record; with more threads each thread writes its zones when its own
  /// input is over.
  static std::map<std::string, json> audit(std::vector<std::string> extra = {},
                                           bool one_thread = true,
                                           const std::string& more_targets = "") {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, resolver_);
    const std::vector<std::string> mine = {"--probes", "zone", "--zone-ns-port",
                                           std::to_string(port_), "--zone-timeout", "500",
                                           "--zone-ns-rate", "200", "-i", "-"};
    argv.insert(argv.end(), mine.begin(), mine.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    if (one_thread) {
      argv.insert(argv.end(), {"-T", "1"});
    }
    std::string targets;
    for (int i = 1; i <= 8; ++i) {
      targets += "10.77.1." + std::to_string(i) + "\n";
    }
    targets += "10.77.2.1\n10.77.3.1\n10.77.4.1\n10.77.5.1\n10.77.5.2\n2001:db8:77::1\n";
    targets += more_targets;
    run_options o;
    o.stdin_data = targets;
    o.deadline = 60s;
    const run_result r = run_process(argv, o);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    const ndjson_lines lines = parse_ndjson(r.out);
    EXPECT_TRUE(lines.bad_lines.empty());
    std::map<std::string, json> zones;
    size_t hosts = 0;
    bool zone_seen = false;
    for (const json& rec : lines.records) {
      if (rec.contains("type") && rec["type"] == "zone") {
        zone_seen = true;
        EXPECT_FALSE(zones.contains(rec["zone"])) << "one record per zone";
        zones[rec["zone"].get<std::string>()] = rec;
      } else {
        EXPECT_FALSE(one_thread && zone_seen) << "zone records come after the host records";
        ++hosts;
      }
    }
    EXPECT_EQ(hosts, 14u + static_cast<size_t>(std::count(more_targets.begin(),
                                                           more_targets.end(), '\n')));
    last_hosts_ = hosts;
    last_stderr_ = r.err;
    last_out_ = r.out;
    return zones;
  }

  static std::vector<std::string> kinds(const json& zone) {
    std::vector<std::string> out;
    for (const json& f : zone["findings"]) {
      out.push_back(f["kind"]);
    }
    return out;
  }

  static inline std::string dir_;
  static inline knot_server parent_, ns1_, ns2_, ns3_, lame_;
  static inline uint16_t port_ = 0;
  static inline endpoint resolver_;
  static inline daemon_process unbound_;
  static inline std::string last_stderr_;
  static inline std::string last_out_;
  static inline size_t last_hosts_ = 0;
};

TEST_F(ZoneAudit, EveryZoneHasItsFindingsAndTheHealthyOneNone) {
  std::map<std::string, json> z = audit();
  ASSERT_EQ(z.size(), 6u) << [&] {
    std::string names;
    for (const auto& [k, v] : z) {
      names += k + " ";
    }
    return names;
  }();

  const json& healthy = z.at("1.77.10.in-addr.arpa");
  EXPECT_EQ(healthy["status"], "ok") << healthy.dump();
  EXPECT_EQ(healthy["parent"], "77.10.in-addr.arpa");
  EXPECT_TRUE(healthy["findings"].empty()) << healthy.dump();
  EXPECT_EQ(healthy["parent_ns"], json({"ns1.zt.test", "ns2.zt.test"}));
  EXPECT_EQ(healthy["child_ns"], json({"ns1.zt.test", "ns2.zt.test"}));
  ASSERT_EQ(healthy["servers"].size(), 2u);
  for (const json& s : healthy["servers"]) {
    EXPECT_EQ(s["soa"], "ok");
    EXPECT_EQ(s["aa"], true);
    EXPECT_EQ(s["serial"], 10);
    EXPECT_EQ(s["ns"], "ok");
    EXPECT_EQ(s["tcp"], "ok");
  }
  EXPECT_EQ(healthy["hosts"]["scanned"], 8);
  EXPECT_EQ(healthy["hosts"]["with_ptr"], 7);
  ASSERT_EQ(healthy["templates"].size(), 2u);
  EXPECT_EQ(healthy["templates"][0]["template"], "{a}-{b}-{c}-{d}.dyn.zt.test");
  EXPECT_EQ(healthy["templates"][0]["hosts"], 6);
  EXPECT_EQ(healthy["deviants"], json::parse(R"([{"ip":"10.77.1.7","name":"mail.zt.test"}])"));
  EXPECT_EQ(healthy["deviants_total"], 1);
  // The cut (1), the parent's SOA, NS and its name's A+AAAA (4), the
  // referral (1), A+AAAA of ns1 and ns2 (4), SOA, NS and SOA over TCP of
  // each server (6).
  EXPECT_EQ(healthy["queries"], 16);

  const json& lame = z.at("2.77.10.in-addr.arpa");
  ASSERT_EQ(kinds(lame), std::vector<std::string>{"lame_server"}) << lame.dump();
  EXPECT_EQ(lame["findings"][0]["server"], "lame.zt.test");
  EXPECT_EQ(lame["findings"][0]["address"], lame_.host);
  EXPECT_EQ(lame["findings"][0]["reason"], "refused");

  const json& stale = z.at("3.77.10.in-addr.arpa");
  ASSERT_EQ(kinds(stale), std::vector<std::string>{"serial_mismatch"}) << stale.dump();
  EXPECT_EQ(stale["findings"][0]["serials"], json({4, 5}));

  const json& split = z.at("4.77.10.in-addr.arpa");
  ASSERT_EQ(kinds(split), std::vector<std::string>{"ns_mismatch"}) << split.dump();
  EXPECT_EQ(split["findings"][0]["parent_only"], json({"ns2.zt.test"}));
  EXPECT_EQ(split["findings"][0]["child_only"], json({"ns3.zt.test"}));
  EXPECT_EQ(split["servers"].size(), 3u);  // the child's ns3 is asked too

  const json& classless = z.at("0-15.5.77.10.in-addr.arpa");
  EXPECT_EQ(classless["classless"], true) << classless.dump();
  EXPECT_EQ(classless["parent"], "77.10.in-addr.arpa");
  EXPECT_TRUE(classless["findings"].empty()) << classless.dump();
  EXPECT_EQ(classless["hosts"]["with_ptr"], 2);

  const json& six = z.at(v6_zone);
  EXPECT_EQ(six["parent"], v6_parent) << six.dump();
  EXPECT_TRUE(six["findings"].empty()) << six.dump();
  EXPECT_EQ(six["hosts"]["with_ptr"], 1);
  EXPECT_EQ(six["templates"][0]["template"], "host-{h8}.v6.zt.test");

  EXPECT_NE(last_stderr_.find("zones audited 6 with_findings 3"), std::string::npos)
      << last_stderr_;
}

// More /24s than one thread resolves at once (256): the rest wait their
// turn, and every host still lands in exactly one zone record.
TEST_F(ZoneAudit, ManyGroupsWaitTheirTurnAndEveryHostIsInOneZone) {
  std::string more;
  for (int n = 0; n < 256; ++n) {
    more += "10.77." + std::to_string(n) + ".200\n";
  }
  for (int n = 0; n < 10; ++n) {
    more += "10.78." + std::to_string(n) + ".1\n";
  }
  std::map<std::string, json> z = audit({"--zone-no-tcp"}, true, more);
  uint64_t scanned = 0;
  for (const auto& [name, rec] : z) {
    scanned += rec["hosts"]["scanned"].get<uint64_t>();
  }
  EXPECT_EQ(scanned, last_hosts_);
  // The /24s the parent holds itself are its zone's hosts: all but the four
  // delegated ones; in 5.77.10 only the CNAMEd hosts are the classless
  // zone's (10.77.5.200 has no CNAME: it is the parent's).
  ASSERT_TRUE(z.contains("77.10.in-addr.arpa"));
  EXPECT_EQ(z.at("77.10.in-addr.arpa")["hosts"]["scanned"], 256 - 4);
  EXPECT_EQ(z.at("0-15.5.77.10.in-addr.arpa")["hosts"]["scanned"], 2);
  // Its parent (10.in-addr.arpa, unbound's local zone) names localhost, where
  // nothing answers: the zone's own server is found through the resolver.
  const json& parent = z.at("77.10.in-addr.arpa");
  EXPECT_EQ(kinds(parent), (std::vector<std::string>{"single_ns", "parent_unreachable"}))
      << parent.dump();
  ASSERT_EQ(parent["servers"].size(), 1u);
  EXPECT_EQ(parent["servers"][0]["ip"], parent_.host);
  EXPECT_EQ(parent["servers"][0]["soa"], "ok");
  EXPECT_EQ(kinds(z.at("3.77.10.in-addr.arpa")), std::vector<std::string>{"serial_mismatch"});
  EXPECT_TRUE(z.at("1.77.10.in-addr.arpa")["findings"].empty());
}

/// Every member path of `v` under `path` ("servers[].soa", "hosts.scanned").
void member_paths(const json& v, const std::string& path, std::set<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      out.insert(p);
      member_paths(child, p, out);
    }
  } else if (v.is_array()) {
    for (const json& child : v) {
      if (child.is_object()) {
        member_paths(child, path + "[]", out);
      }
    }
  }
}

TEST_F(ZoneAudit, ListFieldsNamesEveryMemberOfAZoneRecord) {
  const std::string meta = dir_ + "/meta.json";
  std::map<std::string, json> z = audit({"-m", meta});
  const run_result fields = run_process({PTRSCAN_BINARY, "--list-fields"});
  ASSERT_EQ(fields.exit_code, 0) << fields.describe();
  std::set<std::string> seen;
  for (const auto& [name, rec] : z) {
    member_paths(rec, "", seen);
  }
  EXPECT_TRUE(seen.contains("findings[].serials"));
  // And every record of the scan, zone records too, is valid under schema/.
  const std::string out = dir_ + "/out.ndjson";
  write_file(out, last_out_);
  const run_result v =
      run_process({"python3", std::string(PTRSCAN_SOURCE_DIR) + "/tests/schema/validate_output.py",
                   std::string(PTRSCAN_SOURCE_DIR) + "/schema", "--records", out, "--metadata",
                   meta});
  if (v.exit_code != 77) {
    EXPECT_EQ(v.exit_code, 0) << v.out << v.describe();
  }
  for (const std::string& path : seen) {
    EXPECT_NE(fields.out.find("\n" + path + "\t"), std::string::npos)
        << path << " is in a zone record but not in --list-fields";
  }
}

TEST_F(ZoneAudit, WithoutTcpTheServersAreNotAskedOverTcpAndThreadsSplitByZone) {
  // Two threads: each audits the zones of the /24s it was given (a /24
  // goes to one thread whole), so the records are the same.
  std::map<std::string, json> z = audit({"--zone-no-tcp", "-T", "2"}, false);
  EXPECT_EQ(z.size(), 6u);
  const json& healthy = z.at("1.77.10.in-addr.arpa");
  for (const json& s : healthy["servers"]) {
    EXPECT_FALSE(s.contains("tcp"));
  }
  EXPECT_EQ(healthy["queries"], 14);
  EXPECT_TRUE(healthy["findings"].empty());
}

}  // namespace
}  // namespace ptrscan::testnet
