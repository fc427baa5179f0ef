// Sender identities and HELO rules end to end (issue 16 items 2 and 3):
// `IP,DOMAIN[,HELO]` lines checked over real DNS (Knot behind Unbound, the
// zones of tools/testnet/domain_zones.cc), and the HELO rules applied to the
// hosts scripted SMTP servers name in their greetings and EHLO replies.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/domain_zones.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/scripted_smtp.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using json = nlohmann::json;

[[gnu::noinline]] std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// The address whose PTR is mx.spf.test, which resolves back to it.
constexpr const char* sender_ip = "127.77.0.10";

/// One sender line and what its record must say ("" = absent).
struct sender_case {
  std::string line;
  std::string mailfrom;     // sender.spf_mailfrom.result
  std::string helo_spf;     // sender.spf_helo.result ("" = no HELO)
  std::string helo_verdict;  // sender.helo_rules.verdict
  json resolves;            // helo_rules.resolves (null, true, false)
  json to_ip;               // helo_rules.resolves_to_ip
  json equals_ptr;          // helo_rules.equals_ptr
};

const std::vector<sender_case>& sender_cases() {
  static const std::vector<sender_case> cases = {
      // MAIL FROM pass; the HELO is the address's own name: match, no SPF at it.
      {"127.77.0.10,ip4-pass.spf.test,mx.spf.test", "pass", "none", "match", true, true, true},
      // MAIL FROM fail; HELO softfail, and the HELO name has only an MX
      // record: it resolves (Postfix counts MX), but not to the address.
      {"127.77.0.10,ip4-fail.spf.test,softfail.spf.test", "fail", "softfail", "mismatch", true,
       false, false},
      {"127.77.0.10,softfail.spf.test,ip4-pass.spf.test", "softfail", "pass", "mismatch", true,
       false, false},
      {"127.77.0.10,none.spf.test,none.spf.test", "none", "none", "mismatch", true, false, false},
      // A HELO that resolves, to another address.
      {"127.77.0.10,ip4-pass.spf.test,other.spf.test", "pass", "none", "mismatch", true, false,
       false},
      // A HELO that does not exist.
      {"127.77.0.10,ip4-pass.spf.test,ghost.spf.test", "pass", "none", "unresolved", false,
       false, false},
      // A HELO whose lookups fail (its zone's server is dead): no verdict.
      {"127.77.0.10,ip4-pass.spf.test,x.dead.test", "pass", "temperror", "error", nullptr,
       nullptr, false},
      // Bad HELO syntax is a verdict, not a rejected line.
      {"127.77.0.10,ip4-pass.spf.test,bad_helo.spf.test", "pass", "none", "invalid", nullptr,
       nullptr, nullptr},
      // (What a single label resolves to is the resolver's business: "?".)
      {"127.77.0.10,neutral.spf.test,mailserver", "neutral", "none", "not-fqdn", "?", "?",
       false},
      {"127.77.0.10,ip4-pass.spf.test,[127.77.0.10]", "pass", "none", "literal", nullptr, true,
       nullptr},
      // No HELO: MAIL FROM only.
      {"127.77.0.10,temperror.spf.test", "temperror", "", "", nullptr, nullptr, nullptr},
      // A redirect: inc.spf.test's record decides (sender.spf_mailfrom.decided_by).
      {"127.77.0.10,redirect.spf.test", "pass", "", "", nullptr, nullptr, nullptr},
      // An address without PTR: the HELO resolves to it, equals no PTR name.
      {"127.77.0.2,example.test,mx2.example.test", "softfail", "none", "match", true, true,
       nullptr},
  };
  return cases;
}

class SenderTargets : public testbed_suite<domain_testbed> {
 protected:
  /// ptrscan with the testbed's resolver and --allow-reserved; `probes`
  /// empty: the default probe set (no --probes at all).
  static run_result scan(const std::vector<std::string>& args, const std::string& probes) {
    std::vector<std::string> argv = {PTRSCAN_BINARY, "--resolver", bed_->resolver().to_string(),
                                     "--allow-reserved"};
    if (!probes.empty()) {
      argv.push_back("--probes");
      argv.push_back(probes);
    }
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.deadline = std::chrono::seconds(60);
    return run_process(argv, o);
  }

  /// Sender records by "DOMAIN,HELO" (HELO as written), and the rest by ip.
  struct output {
    std::map<std::string, json> senders;
    std::map<std::string, json> hosts;
    size_t lines = 0;
  };
  static output read(const std::string& ndjson) {
    output o;
    ndjson_lines parsed = parse_ndjson(ndjson);
    EXPECT_TRUE(parsed.bad_lines.empty()) << parsed.bad_lines.front();
    for (json& rec : parsed.records) {
      ++o.lines;
      if (rec.contains("sender")) {
        const json& s = rec["sender"];
        std::string key = text(s, "domain");
        if (s.contains("helo")) {
          key += "," + s["helo"].get<std::string>();
        }
        EXPECT_EQ(o.senders.count(key), 0u) << "two records for " << key;
        o.senders[key] = rec;
      } else {
        o.hosts[text(rec, "ip")] = rec;
      }
    }
    return o;
  }
  static std::string key_of(const std::string& line) {
    return line.substr(line.find(',') + 1);
  }
  static std::string input() {
    std::string in;
    for (const sender_case& c : sender_cases()) {
      in += c.line + "\n";
    }
    return in;
  }
};

TEST_F(SenderTargets, SpfForMailFromAndHeloAndTheHeloRules) {
  // With a DNSBL too: the host probes run on the address as on any other.
  run_result r = scan({"--dnsbl", domain_dnsbl_zone, "-i", write("senders.txt", input())},
                      "ptr,fcrdns");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r.out);
  EXPECT_EQ(o.lines, sender_cases().size()) << r.out;
  for (const sender_case& c : sender_cases()) {
    SCOPED_TRACE(c.line);
    const auto it = o.senders.find(key_of(c.line));
    ASSERT_NE(it, o.senders.end()) << r.out;
    const json& rec = it->second;
    const json& s = rec["sender"];
    EXPECT_EQ(rec["ip"], c.line.substr(0, c.line.find(',')));
    // The host probes, unchanged.
    EXPECT_TRUE(rec.contains("ptr") && rec.contains("fcrdns") && rec.contains("rdns") &&
                rec.contains("dnsbl"))
        << rec.dump();
    EXPECT_FALSE(rec.contains("smtp")) << rec.dump();
    EXPECT_EQ(s["spf_mailfrom"]["identity"], "mailfrom");
    EXPECT_EQ(s["spf_mailfrom"]["result"], c.mailfrom) << s.dump();
    if (c.helo_spf.empty()) {
      EXPECT_FALSE(s.contains("helo") || s.contains("spf_helo") || s.contains("helo_rules"))
          << s.dump();
      continue;
    }
    EXPECT_EQ(s["spf_helo"]["identity"], "helo");
    EXPECT_EQ(s["spf_helo"]["result"], c.helo_spf) << s.dump();
    const json& h = s["helo_rules"];
    EXPECT_EQ(h["verdict"], c.helo_verdict) << h.dump();
    if (c.resolves != "?") {
      EXPECT_EQ(h["resolves"], c.resolves) << h.dump();
      EXPECT_EQ(h["resolves_to_ip"], c.to_ip) << h.dump();
    }
    EXPECT_EQ(h["equals_ptr"], c.equals_ptr) << h.dump();
  }
  // The details that decide: what the HELO resolves to, its MX, the term.
  const json& pass = o.senders.at("ip4-pass.spf.test,mx.spf.test")["sender"];
  EXPECT_EQ(pass["spf_mailfrom"]["mechanism"], "ip4:127.77.0.0/24");
  EXPECT_EQ(pass["spf_mailfrom"]["decided_by"], "ip4-pass.spf.test");
  // Review finding: the record that decided is named, after a redirect too
  // (the identity's domain stays in "domain").
  const json& redirected = o.senders.at("redirect.spf.test")["sender"]["spf_mailfrom"];
  EXPECT_EQ(redirected["domain"], "redirect.spf.test") << redirected.dump();
  EXPECT_EQ(redirected["decided_by"], "inc.spf.test") << redirected.dump();
  EXPECT_EQ(redirected["mechanism"], "ip4:127.77.0.10");
  EXPECT_EQ(pass["helo_rules"]["addresses"], json::array({sender_ip}));
  EXPECT_EQ(pass["helo_rules"]["mx"], false);
  EXPECT_EQ(pass["helo_rules"]["syntax"], "fqdn");
  const json& mx_only = o.senders.at("ip4-fail.spf.test,softfail.spf.test")["sender"];
  EXPECT_EQ(mx_only["helo_rules"]["mx"], true);
  EXPECT_EQ(mx_only["helo_rules"]["addresses"], json::array());
  EXPECT_EQ(o.senders.at("ip4-pass.spf.test,other.spf.test")["sender"]["helo_rules"]["addresses"],
            json::array({"127.77.0.99"}));
  const json& bad = o.senders.at("ip4-pass.spf.test,bad_helo.spf.test")["sender"];
  EXPECT_EQ(bad["helo_rules"]["syntax"], "invalid");
  EXPECT_FALSE(bad["helo_rules"].contains("addresses")) << bad.dump();
  EXPECT_THAT(text(bad["spf_helo"], "reason"), HasSubstr("not a multi-label domain name"));
  // %{h} and the HELO identity's domain are the HELO name.
  EXPECT_EQ(o.senders.at("softfail.spf.test,ip4-pass.spf.test")["sender"]["spf_helo"]["domain"],
            "ip4-pass.spf.test");
  // The summary line counts them.
  EXPECT_THAT(r.err, HasSubstr(std::to_string(sender_cases().size()) + " senders"));
  EXPECT_THAT(r.err, HasSubstr("spf mailfrom"));
}

TEST_F(SenderTargets, BadLinesAreRejectedWithFileAndLineAndTheRestScanned) {
  const std::string path = write("mixed.txt",
                                 "127.77.0.10,ip4-pass.spf.test,mx.spf.test\n"
                                 "127.77.0.300,ip4-pass.spf.test\n"
                                 "# a comment\n"
                                 "127.77.0.10,,mx.spf.test\n"
                                 "127.77.0.10,ip4-fail.spf.test,a,b\n"
                                 "127.77.0.0/24,ip4-pass.spf.test\n"
                                 "127.77.0.10,ip4-fail.spf.test, bad helo \n");
  run_result r = scan({"-i", path}, "ptr,fcrdns");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r.out);
  EXPECT_EQ(o.lines, 2u) << r.out;
  EXPECT_EQ(o.senders.at("ip4-fail.spf.test,bad helo")["sender"]["helo_rules"]["verdict"],
            "invalid");
  EXPECT_THAT(r.err, HasSubstr(path + ":2: sender line: the IP field is not a valid"));
  EXPECT_THAT(r.err, HasSubstr(path + ":4: sender line: empty DOMAIN field"));
  EXPECT_THAT(r.err, HasSubstr(path + ":5: sender line: expected IP,DOMAIN[,HELO]"));
  EXPECT_THAT(r.err, HasSubstr(path + ":6: sender line: the IP field must be one address"));

  // As a TARGET argument, a bad line is a usage error.
  run_result arg = scan({"127.77.0.10,,x"}, "ptr");
  EXPECT_EQ(arg.exit_code, 2) << arg.describe();
  EXPECT_THAT(arg.err, HasSubstr("empty DOMAIN field"));
}

TEST_F(SenderTargets, ReservedSendersAreSkippedWithoutAllowReserved) {
  run_result r = run_process({PTRSCAN_BINARY, "--resolver", bed_->resolver().to_string(),
                              "--probes", "ptr", "127.77.0.10,ip4-pass.spf.test"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("skipped 1 reserved"));
}

// SMTP to a sender target only when --probes names smtp: the default set
// and a list without it never connect.
TEST_F(SenderTargets, NoSessionToASenderUnlessProbesNameSmtp) {
  const std::string ip = "127.77.0.20";
  scripted_smtp_server server(smtp_script::named_hosts, ip, 0, std::chrono::seconds(10),
                              "named.helo.test", "named.helo.test");
  const std::string port = std::to_string(server.address().port);
  const std::string line = ip + ",ip4-pass.spf.test,named.helo.test";
  for (const std::string& probes : {std::string(), std::string("ptr,fcrdns")}) {
    SCOPED_TRACE("--probes '" + probes + "'");
    run_result r = scan({"--smtp-ports", port, "--ehlo-name", "scanner.test", line}, probes);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    output o = read(r.out);
    ASSERT_EQ(o.senders.size(), 1u) << r.out;
    const json& rec = o.senders.begin()->second;
    EXPECT_FALSE(rec.contains("smtp") || rec.contains("checks")) << rec.dump();
    EXPECT_EQ(rec["sender"]["helo_rules"]["verdict"], "match") << rec.dump();
  }
  EXPECT_EQ(server.connections(), 0);
  // With smtp named, the session runs and its hosts get the HELO rules too.
  run_result r = scan({"--smtp-ports", port, "--ehlo-name", "scanner.test", line},
                      "ptr,fcrdns,smtp");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r.out);
  ASSERT_EQ(o.senders.size(), 1u) << r.out;
  const json& rec = o.senders.begin()->second;
  ASSERT_TRUE(rec.contains("smtp")) << rec.dump();
  EXPECT_EQ(rec["smtp"][0]["status"], "ok") << rec.dump();
  ASSERT_EQ(rec["checks"]["helo_rules"].size(), 1u) << rec.dump();
  EXPECT_EQ(rec["checks"]["helo_rules"][0]["verdict"], "match");
  EXPECT_EQ(server.connections(), 1);
}

// Sender lines are dealt to --shard slices by their position among sender
// lines: the slices are disjoint and together the whole input; a .zst output
// holds the same records.
TEST_F(SenderTargets, ShardsSplitSenderLinesAndZstdOutputHoldsThem) {
  const std::string path = write("senders.txt", input());
  std::set<std::string> all;
  for (const char* slice : {"0/2", "1/2"}) {
    SCOPED_TRACE(slice);
    const std::string out = dir_ + "/out-" + std::string(1, slice[0]) + ".ndjson.zst";
    run_result r = scan({"--shard", slice, "--seed", "7", "-o", out, "-i", path}, "ptr,fcrdns");
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    run_result dc = run_process({"zstd", "-dc", out});
    ASSERT_EQ(dc.exit_code, 0) << dc.describe();
    output o = read(dc.out);
    EXPECT_EQ(o.lines, slice[0] == '0' ? (sender_cases().size() + 1) / 2
                                       : sender_cases().size() / 2);
    for (const auto& [key, rec] : o.senders) {
      EXPECT_TRUE(all.insert(key).second) << key << " in both slices";
    }
  }
  std::set<std::string> expected;
  for (const sender_case& c : sender_cases()) {
    expected.insert(key_of(c.line));
  }
  EXPECT_EQ(all, expected);
}

/// The HELO rules for the hosts SMTP servers name: one server per case on
/// its own loopback address (127.77.0.20-22, all on one port).
TEST_F(SenderTargets, HeloRulesForBannerAndEhloHosts) {
  struct server_case {
    std::string ip;
    std::string banner;
    std::string ehlo;
  };
  const std::vector<server_case> servers = {
      // PTR named.helo.test -> 127.77.0.20: the banner equals it; the EHLO
      // host resolves elsewhere.
      {"127.77.0.20", "named.helo.test", "elsewhere.helo.test"},
      // A banner host that does not resolve, an EHLO host that is no FQDN.
      {"127.77.0.21", "ghost.helo.test", "mailserver"},
      // An invalid banner name; an EHLO host with only an MX record.
      {"127.77.0.22", "bad_name.helo.test", "mx-only.helo.test"},
  };
  std::vector<std::string> ips;
  for (const server_case& s : servers) {
    ips.push_back(s.ip);
  }
  const uint16_t port = free_port_on_all(ips);
  std::vector<std::unique_ptr<scripted_smtp_server>> running;
  for (const server_case& s : servers) {
    running.push_back(std::make_unique<scripted_smtp_server>(
        smtp_script::named_hosts, s.ip, port, std::chrono::seconds(10), s.banner, s.ehlo));
  }
  run_result r = scan({"--smtp-ports", std::to_string(port), "--ehlo-name", "scanner.test",
                       "-m", dir_ + "/meta.json", ips[0], ips[1], ips[2]},
                      "ptr,fcrdns,smtp");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r.out);
  ASSERT_EQ(o.hosts.size(), 3u) << r.out;

  // name -> rules, per address.
  auto rules = [&](const std::string& ip) {
    std::map<std::string, json> by_name;
    const json& rec = o.hosts.at(ip);
    EXPECT_EQ(rec["smtp"][0]["status"], "ok") << rec.dump();
    for (const json& n : rec["checks"]["helo_rules"]) {
      by_name[n["name"].get<std::string>()] = n;
    }
    return by_name;
  };
  auto r20 = rules("127.77.0.20");
  ASSERT_EQ(r20.size(), 2u) << o.hosts.at("127.77.0.20").dump();
  EXPECT_EQ(r20["named.helo.test"]["as"], json::array({"banner"}));
  EXPECT_EQ(r20["named.helo.test"]["ports"], json::array({port}));
  EXPECT_EQ(r20["named.helo.test"]["verdict"], "match");
  EXPECT_EQ(r20["named.helo.test"]["equals_ptr"], true);
  EXPECT_EQ(r20["named.helo.test"]["resolves_to_ip"], true);
  EXPECT_EQ(r20["elsewhere.helo.test"]["as"], json::array({"ehlo"}));
  EXPECT_EQ(r20["elsewhere.helo.test"]["verdict"], "mismatch");
  EXPECT_EQ(r20["elsewhere.helo.test"]["addresses"], json::array({"127.77.0.99"}));
  EXPECT_EQ(r20["elsewhere.helo.test"]["equals_ptr"], false);

  auto r21 = rules("127.77.0.21");
  EXPECT_EQ(r21["ghost.helo.test"]["verdict"], "unresolved");
  EXPECT_EQ(r21["ghost.helo.test"]["resolves"], false);
  EXPECT_EQ(r21["ghost.helo.test"]["mx"], false);
  // No PTR for .21: nothing to equal.
  EXPECT_EQ(r21["ghost.helo.test"]["equals_ptr"], nullptr);
  EXPECT_EQ(r21["mailserver"]["verdict"], "not-fqdn");
  EXPECT_EQ(r21["mailserver"]["syntax"], "not-fqdn");
  EXPECT_EQ(r21["mailserver"]["fqdn"], false);

  auto r22 = rules("127.77.0.22");
  EXPECT_EQ(r22["bad_name.helo.test"]["verdict"], "invalid");
  EXPECT_FALSE(r22["bad_name.helo.test"].contains("addresses"));
  EXPECT_EQ(r22["mx-only.helo.test"]["verdict"], "mismatch");
  EXPECT_EQ(r22["mx-only.helo.test"]["mx"], true);
  EXPECT_EQ(r22["mx-only.helo.test"]["resolves"], true);

  // The verdicts are counted in the summary and --metadata.
  EXPECT_THAT(r.err, HasSubstr("banner/EHLO hosts"));
  std::ifstream meta(dir_ + "/meta.json");
  const json m = json::parse(meta);
  EXPECT_EQ(m["smtp_helo"]["match"], 1) << m.dump();
  EXPECT_EQ(m["smtp_helo"]["mismatch"], 2) << m.dump();
  EXPECT_EQ(m["smtp_helo"]["invalid"], 1) << m.dump();

  // One server naming the same host on two ports: one entry, both ports,
  // both roles.
  const uint16_t port2 = free_port_on_all({"127.77.0.20"});
  scripted_smtp_server second(smtp_script::named_hosts, "127.77.0.20", port2,
                              std::chrono::seconds(10), "named.helo.test", "named.helo.test");
  run_result two = scan({"--smtp-ports", std::to_string(port) + "," + std::to_string(port2),
                         "--ehlo-name", "scanner.test", "127.77.0.20"},
                        "ptr,smtp");
  ASSERT_EQ(two.exit_code, 0) << two.describe();
  const json rec = read(two.out).hosts.at("127.77.0.20");
  const json& list = rec["checks"]["helo_rules"];
  ASSERT_EQ(list.size(), 2u) << rec.dump();
  for (const json& n : list) {
    if (n["name"] == "named.helo.test") {
      EXPECT_EQ(n["as"], json::array({"banner", "ehlo"})) << n.dump();
      EXPECT_EQ(n["ports"], json::array({port, port2})) << n.dump();
    }
  }
  EXPECT_FALSE(rec["checks"].contains("truncated")) << rec.dump();

  // Without the ptr probe the scan asks DNS nothing: the named hosts are
  // counted and left unchecked, and the record says so.
  run_result bare = scan({"--smtp-ports", std::to_string(port), "--ehlo-name", "scanner.test",
                          "-m", dir_ + "/bare.json", "127.77.0.20"},
                         "smtp");
  ASSERT_EQ(bare.exit_code, 0) << bare.describe();
  const json bare_rec = read(bare.out).hosts.at("127.77.0.20");
  EXPECT_EQ(bare_rec["smtp"][0]["status"], "ok") << bare_rec.dump();
  EXPECT_EQ(bare_rec["checks"]["helo_rules"], json::array()) << bare_rec.dump();
  EXPECT_EQ(bare_rec["checks"]["helo_rules_total"], 2) << bare_rec.dump();
  EXPECT_EQ(bare_rec["checks"]["truncated"], json::array({"helo_rules"})) << bare_rec.dump();
  std::ifstream bare_meta(dir_ + "/bare.json");
  EXPECT_EQ(json::parse(bare_meta)["dns_queries"], 0);
}

}  // namespace
}  // namespace ptrscan::testnet
