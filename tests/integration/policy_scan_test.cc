// The scanner's `policy` section (--probes policy, issue 16): the receiver
// verdicts for scanned servers and sender targets, from the records of a
// real scan over real DNS (Knot behind Unbound, the zones of
// tools/testnet/domain_zones.cc) and real or scripted SMTP servers:
//
//   127.77.0.1   Postfix mx1.example.test   PTR mx1.example.test -> A back: all in order, TLS works
//   127.77.0.20  scripted ghost.helo.test   PTR named.helo.test -> A back; the greeting names
//                                            a host that does not resolve; no STARTTLS
//   127.77.0.10  scripted starttls_garbage  PTR mx.spf.test -> A back; STARTTLS advertised,
//                                            answered 220, then no TLS (the server's failure)
//   127.77.0.2   scripted mx2.example.test  no PTR; its greeting names a host that resolves
//
// and the rules whose probe a scan leaves out: unknown, naming the probe.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../support/missing_fixture.h"
#include "fixture_testbed_suite.h"
#include "testnet/domain_zones.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/scripted_smtp.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

class PolicyScan : public testbed_suite<domain_testbed> {
 protected:
  static run_result scan(const std::vector<std::string>& args, const std::string& probes) {
    std::vector<std::string> argv = {PTRSCAN_BINARY, "--resolver", bed_->resolver().to_string(),
                                     "--allow-reserved", "--probes", probes,
                                     "--ehlo-name", "scanner.test"};
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.deadline = std::chrono::seconds(90);
    return run_process(argv, o);
  }

  /// Records by ip (the last one per ip) and by "DOMAIN,HELO" for senders.
  static std::map<std::string, json> by_key(const std::string& ndjson) {
    std::map<std::string, json> out;
    ndjson_lines parsed = parse_ndjson(ndjson);
    EXPECT_TRUE(parsed.bad_lines.empty());
    for (json& rec : parsed.records) {
      if (rec.contains("sender")) {
        const json& s = rec["sender"];
        out[s["domain"].get<std::string>() + "," + s.value("helo", std::string())] = rec;
      } else if (rec.contains("ip")) {
        out[rec["ip"].get<std::string>()] = rec;
      }
    }
    return out;
  }

  /// The verdict of `rule` in set `set` of a record; null when absent.
  static json verdict(const json& rec, const std::string& set, const std::string& rule) {
    if (!rec.contains("policy") || !rec["policy"].contains(set)) {
      return nullptr;
    }
    for (const json& v : rec["policy"][set]) {
      if (v["rule"] == rule) {
        return v;
      }
    }
    return nullptr;
  }
  static std::string result(const json& rec, const std::string& set, const std::string& rule) {
    const json v = verdict(rec, set, rule);
    return v.is_null() ? "(absent)" : v["result"].get<std::string>();
  }

  /// Every fail carries a fix, and nothing else does.
  static void expect_fixes_on_fails_only(const json& rec) {
    ASSERT_TRUE(rec.contains("policy")) << rec.dump();
    for (const auto& [set, verdicts] : rec["policy"].items()) {
      for (const json& v : verdicts) {
        SCOPED_TRACE(set + "/" + v["rule"].get<std::string>());
        EXPECT_FALSE(v["evidence"].get<std::string>().empty());
        EXPECT_EQ(v.contains("fix"), v["result"] == "fail") << v.dump();
      }
    }
  }
};

TEST_F(PolicyScan, ServerVerdictsFollowPtrFcrdnsHeloAndTls) {
  if (const std::string why = mta_missing(mta_kind::postfix); !why.empty()) {
    PTRSCAN_MISSING_FIXTURE(why);
  }
  const std::vector<std::string> ips = {"127.77.0.1", "127.77.0.20", "127.77.0.10",
                                        "127.77.0.2"};
  const uint16_t port = free_port_on_all(ips);
  mta_options mo;
  mo.hostname = "mx1.example.test";
  mo.hosts = {"127.77.0.1"};
  mo.port = port;
  std::unique_ptr<mta_server> postfix = mta_server::start(mta_kind::postfix, mo);
  scripted_smtp_server ghost(smtp_script::named_hosts, "127.77.0.20", port,
                             std::chrono::seconds(10), "ghost.helo.test", "ghost.helo.test");
  scripted_smtp_server tlsbad(smtp_script::starttls_garbage, "127.77.0.10", port);
  scripted_smtp_server noptr(smtp_script::named_hosts, "127.77.0.2", port,
                             std::chrono::seconds(10), "mx2.example.test", "mx2.example.test");

  run_result r = scan({"--smtp-ports", std::to_string(port), ips[0], ips[1], ips[2], ips[3]},
                      "ptr,fcrdns,smtp,starttls,policy");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::map<std::string, json> recs = by_key(r.out);
  ASSERT_EQ(recs.size(), 4u) << r.out;
  for (const std::string& ip : ips) {
    SCOPED_TRACE(ip);
    expect_fixes_on_fails_only(recs.at(ip));
  }

  // Postfix, all in order.
  const json& good = recs.at("127.77.0.1");
  for (const char* rule : {"reject_unknown_reverse_client_hostname",
                           "reject_unknown_client_hostname", "reject_invalid_helo_hostname",
                           "reject_non_fqdn_helo_hostname", "reject_unknown_helo_hostname"}) {
    EXPECT_EQ(result(good, "postfix", rule), "pass") << rule << ": " << good["policy"].dump();
  }
  EXPECT_EQ(result(good, "generic_rdns", "generic_rdns"), "pass");
  EXPECT_EQ(result(good, "bulk_senders_2024", "ptr"), "pass");
  EXPECT_EQ(result(good, "bulk_senders_2024", "fcrdns"), "pass");
  EXPECT_EQ(result(good, "bulk_senders_2024", "tls"), "pass") << good.dump();
  EXPECT_EQ(result(good, "bulk_senders_2024", "spf"), "(absent)");  // no domain to send for
  EXPECT_EQ(result(good, "mxtoolbox_smtp", "banner_ptr_match"), "pass");
  EXPECT_EQ(result(good, "mxtoolbox_smtp", "smtp_tls"), "pass");
  EXPECT_EQ(result(good, "mxtoolbox_smtp", "connection_time"), "pass");
  // The relay test is opt-in: unknown, and says which probe.
  EXPECT_EQ(result(good, "mxtoolbox_smtp", "open_relay"), "unknown");
  EXPECT_THAT(verdict(good, "mxtoolbox_smtp", "open_relay")["evidence"].get<std::string>(),
              HasSubstr("the relay probe was not run"));

  // A greeting naming a host that does not resolve, no STARTTLS.
  const json& ghost_rec = recs.at("127.77.0.20");
  EXPECT_EQ(result(ghost_rec, "postfix", "reject_unknown_client_hostname"), "pass");
  EXPECT_EQ(result(ghost_rec, "postfix", "reject_non_fqdn_helo_hostname"), "pass");
  EXPECT_EQ(result(ghost_rec, "postfix", "reject_unknown_helo_hostname"), "fail");
  EXPECT_THAT(verdict(ghost_rec, "postfix", "reject_unknown_helo_hostname")["fix"].get<std::string>(),
              HasSubstr("myhostname = named.helo.test"));
  EXPECT_EQ(result(ghost_rec, "mxtoolbox_smtp", "banner_ptr_match"), "fail");
  EXPECT_EQ(result(ghost_rec, "mxtoolbox_smtp", "smtp_tls"), "fail");
  EXPECT_EQ(verdict(ghost_rec, "bulk_senders_2024", "tls")["evidence"], "STARTTLS is not advertised");

  // STARTTLS advertised, then no TLS: the server's failure, never "used".
  const json& tlsbad_rec = recs.at("127.77.0.10");
  EXPECT_TRUE(tlsbad_rec["smtp"][0]["tls"].contains("error")) << tlsbad_rec.dump();
  for (const char* set_rule : {"bulk_senders_2024/tls", "mxtoolbox_smtp/smtp_tls"}) {
    const std::string s(set_rule);
    const json v = verdict(tlsbad_rec, s.substr(0, s.find('/')), s.substr(s.find('/') + 1));
    EXPECT_EQ(v["result"], "fail") << v.dump();
    EXPECT_THAT(v["evidence"].get<std::string>(),
                HasSubstr("no TLS session could be established"));
    EXPECT_THAT(v["evidence"].get<std::string>(), Not(HasSubstr("used")));
  }
  EXPECT_EQ(result(tlsbad_rec, "bulk_senders_2024", "fcrdns"), "pass");

  // No PTR at all: the reverse rules fail with the zone lines to add.
  const json& noptr_rec = recs.at("127.77.0.2");
  EXPECT_EQ(result(noptr_rec, "postfix", "reject_unknown_reverse_client_hostname"), "fail");
  EXPECT_THAT(
      verdict(noptr_rec, "postfix", "reject_unknown_reverse_client_hostname")["fix"].get<std::string>(),
      HasSubstr("2.0.77.127.in-addr.arpa. PTR mx2.example.test."));
  EXPECT_EQ(result(noptr_rec, "postfix", "reject_unknown_client_hostname"), "fail");
  EXPECT_EQ(result(noptr_rec, "postfix", "reject_unknown_helo_hostname"), "pass");
  EXPECT_EQ(result(noptr_rec, "generic_rdns", "generic_rdns"), "fail");
  EXPECT_EQ(result(noptr_rec, "bulk_senders_2024", "ptr"), "fail");
  EXPECT_EQ(result(noptr_rec, "bulk_senders_2024", "fcrdns"), "fail");
  EXPECT_EQ(result(noptr_rec, "mxtoolbox_smtp", "banner_ptr_match"), "fail");

  // Counted in the summary line.
  EXPECT_THAT(r.err, HasSubstr("policy verdicts"));
}

// A rule whose probe the scan left out is unknown and names it; without
// `policy` in --probes there is no section at all.
TEST_F(PolicyScan, RulesWhoseProbeWasNotRunAreUnknown) {
  scripted_smtp_server server(smtp_script::named_hosts, "127.77.0.20", 0,
                              std::chrono::seconds(10), "named.helo.test", "named.helo.test");
  const std::string port = std::to_string(server.address().port);

  run_result dns_only = scan({"--smtp-ports", port, "127.77.0.20"}, "ptr,fcrdns,policy");
  ASSERT_EQ(dns_only.exit_code, 0) << dns_only.describe();
  const json a = by_key(dns_only.out).at("127.77.0.20");
  EXPECT_EQ(server.connections(), 0);
  EXPECT_EQ(result(a, "postfix", "reject_unknown_client_hostname"), "pass");
  EXPECT_EQ(result(a, "bulk_senders_2024", "fcrdns"), "pass");
  for (const auto& [set, rule] : std::vector<std::pair<std::string, std::string>>{
           {"postfix", "reject_unknown_helo_hostname"},
           {"bulk_senders_2024", "tls"},
           {"mxtoolbox_smtp", "banner_ptr_match"},
           {"mxtoolbox_smtp", "connection_time"}}) {
    SCOPED_TRACE(set + "/" + rule);
    const json v = verdict(a, set, rule);
    EXPECT_EQ(v["result"], "unknown") << a["policy"].dump();
    EXPECT_THAT(v["evidence"].get<std::string>(), HasSubstr("the smtp probe was not run"));
  }

  run_result smtp_only = scan({"--smtp-ports", port, "127.77.0.20"}, "smtp,policy");
  ASSERT_EQ(smtp_only.exit_code, 0) << smtp_only.describe();
  const json b = by_key(smtp_only.out).at("127.77.0.20");
  EXPECT_EQ(result(b, "mxtoolbox_smtp", "connection_time"), "pass");
  for (const auto& [set, rule, probe] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"postfix", "reject_unknown_reverse_client_hostname", "ptr"},
           {"generic_rdns", "generic_rdns", "ptr"},
           {"bulk_senders_2024", "fcrdns", "fcrdns"},
           {"mxtoolbox_smtp", "banner_ptr_match", "ptr"}}) {
    SCOPED_TRACE(set + "/" + rule);
    const json v = verdict(b, set, rule);
    EXPECT_EQ(v["result"], "unknown") << b["policy"].dump();
    EXPECT_THAT(v["evidence"].get<std::string>(), HasSubstr("the " + probe + " probe was not run"));
  }

  run_result without = scan({"--smtp-ports", port, "127.77.0.20"}, "ptr,fcrdns,smtp");
  ASSERT_EQ(without.exit_code, 0) << without.describe();
  EXPECT_FALSE(by_key(without.out).at("127.77.0.20").contains("policy"));
}

// Sender targets are clients: the line's HELO and MAIL FROM, no SMTP-side
// rules; domain targets' MX addresses get the spf rule from the spf probe.
TEST_F(PolicyScan, SenderTargetsAreClientsAndMxAddressesSendForTheirDomain) {
  run_result r = scan({"127.77.0.10,ip4-pass.spf.test,mx.spf.test",
                       "127.77.0.10,softfail.spf.test,ghost.spf.test", "example.test"},
                      "ptr,fcrdns,policy");
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  std::map<std::string, json> recs = by_key(r.out);
  const json& pass = recs.at("ip4-pass.spf.test,mx.spf.test");
  expect_fixes_on_fails_only(pass);
  EXPECT_EQ(result(pass, "bulk_senders_2024", "spf"), "pass");
  EXPECT_EQ(result(pass, "postfix", "reject_unknown_helo_hostname"), "pass");
  EXPECT_EQ(result(pass, "bulk_senders_2024", "tls"), "(absent)");
  EXPECT_FALSE(pass["policy"].contains("mxtoolbox_smtp")) << pass.dump();

  const json& soft = recs.at("softfail.spf.test,ghost.spf.test");
  expect_fixes_on_fails_only(soft);
  EXPECT_EQ(result(soft, "bulk_senders_2024", "spf"), "fail");
  EXPECT_THAT(verdict(soft, "bulk_senders_2024", "spf")["fix"].get<std::string>(),
              HasSubstr("add ip4:127.77.0.10 to the SPF record of softfail.spf.test"));
  EXPECT_EQ(result(soft, "postfix", "reject_unknown_helo_hostname"), "fail");
  EXPECT_THAT(verdict(soft, "postfix", "reject_unknown_helo_hostname")["fix"].get<std::string>(),
              HasSubstr("smtp_helo_name"));

  // example.test: v=spf1 ip4:127.77.0.1 ~all, MX 127.77.0.1 and .2.
  EXPECT_EQ(result(recs.at("127.77.0.1"), "bulk_senders_2024", "spf"), "pass");
  EXPECT_EQ(result(recs.at("127.77.0.2"), "bulk_senders_2024", "spf"), "fail");
}

}  // namespace
}  // namespace ptrscan::testnet
