// Domain targets end to end (issue 5): MX expansion with the findings mail
// checkers report, SPF verdicts for every MX address over real DNS (Knot
// behind Unbound, every SPF mechanism and limit), DNSBL listings, and the
// summary record. The zones are tools/testnet/domain_zones.cc.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
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
#include "testnet/ndjson.h"
#include "testnet/scripted_smtp.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using json = nlohmann::json;

/// j[key] as a string, "" when absent. Out of line: gcc's -Wnull-dereference
/// misfires on nlohmann's value() once it is inlined into large tests.
[[gnu::noinline]] std::string text(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

class DomainTargets : public testbed_suite<domain_testbed> {
 protected:
  static run_result scan(const std::vector<std::string>& args) {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.deadline = std::chrono::seconds(60);
    return run_process(argv, o);
  }

  /// The records of a scan: summaries by domain, address records by
  /// (input, ip), and every line in output order.
  struct output {
    std::map<std::string, json> summaries;
    std::map<std::pair<std::string, std::string>, json> addresses;
    std::vector<json> lines;
  };
  static output read(const run_result& r) {
    output o;
    ndjson_lines parsed = parse_ndjson(r.out);
    EXPECT_TRUE(parsed.bad_lines.empty()) << parsed.bad_lines.front();
    for (json& rec : parsed.records) {
      if (rec.contains("domain")) {
        EXPECT_FALSE(rec.contains("ip")) << rec.dump();
        const std::string d = rec["domain"];
        EXPECT_EQ(o.summaries.count(d), 0u) << "two summaries for " << d;
        o.summaries[d] = rec;
      } else {
        o.addresses[{text(rec, "input"), text(rec, "ip")}] = rec;
      }
      o.lines.push_back(std::move(rec));
    }
    return o;
  }

  /// A summary's findings as "code" or "code:host", sorted.
  static std::vector<std::string> findings(const json& summary) {
    std::vector<std::string> out;
    for (const json& f : summary.at("findings")) {
      std::string s = f.at("code");
      if (f.contains("host")) {
        s += ":" + f["host"].get<std::string>();
      }
      out.push_back(s);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream buf;
    buf << f.rdbuf();
    return buf.str();
  }

};

// Issue 5's done-means: `ptrscan example.test` yields one record per MX
// address with PTR, FCrDNS, SMTP, naming class and SPF verdict, then the
// domain's summary.
TEST_F(DomainTargets, ExampleTestYieldsAddressRecordsThenSummary) {
  // An SMTP server on each MX address, on one port.
  scripted_smtp_server mx1(smtp_script::multiline_greeting, "127.77.0.1", 0);
  const uint16_t port = mx1.address().port;
  std::unique_ptr<scripted_smtp_server> mx2;
  try {
    mx2 = std::make_unique<scripted_smtp_server>(smtp_script::multiline_greeting, "127.77.0.2",
                                                 port);
  } catch (const std::exception& e) {
    GTEST_FAIL() << "second SMTP server on port " << port << ": " << e.what();
  }
  run_result r = scan({"--probes", "ptr,fcrdns,smtp", "--smtp-ports", std::to_string(port),
                       "--ehlo-name", "scanner.test", "example.test"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r);
  ASSERT_EQ(o.lines.size(), 3u) << r.out;
  // The summary comes after the records of its addresses.
  EXPECT_TRUE(o.lines.back().contains("domain")) << r.out;

  const json& a1 = o.addresses.at({"example.test", "127.77.0.1"});
  EXPECT_EQ(a1["mx"]["host"], "mx1.example.test");
  EXPECT_EQ(a1["mx"]["preference"], 10);
  EXPECT_EQ(a1["ptr"]["status"], "ok");
  EXPECT_EQ(a1["ptr"]["names"], json::array({"mx1.example.test"}));
  EXPECT_EQ(a1["fcrdns"]["status"], "pass");
  EXPECT_EQ(a1["rdns"]["class"], "mail-like");
  EXPECT_EQ(a1["spf"]["result"], "pass");
  EXPECT_EQ(a1["spf"]["mechanism"], "ip4:127.77.0.1");
  ASSERT_EQ(a1["smtp"].size(), 1u);
  EXPECT_EQ(a1["smtp"][0]["status"], "ok") << a1.dump();

  const json& a2 = o.addresses.at({"example.test", "127.77.0.2"});
  EXPECT_EQ(a2["mx"]["host"], "mx2.example.test");
  EXPECT_EQ(a2["mx"]["preference"], 20);
  EXPECT_EQ(a2["ptr"]["status"], "nxdomain");
  EXPECT_EQ(a2["fcrdns"]["status"], "none");
  EXPECT_EQ(a2["rdns"]["class"], "none");
  EXPECT_EQ(a2["spf"]["result"], "softfail");
  EXPECT_EQ(a2["smtp"][0]["status"], "ok") << a2.dump();

  const json& s = o.summaries.at("example.test");
  EXPECT_EQ(s["mx"]["status"], "ok");
  ASSERT_EQ(s["mx"]["hosts"].size(), 2u);
  EXPECT_EQ(s["mx"]["hosts"][0]["host"], "mx1.example.test");
  EXPECT_EQ(s["mx"]["hosts"][0]["addresses"], json::array({"127.77.0.1"}));
  EXPECT_EQ(s["spf"]["records"], json::array({"v=spf1 ip4:127.77.0.1 ~all"}));
  EXPECT_EQ(s["addresses"]["probed"], 2);
  EXPECT_THAT(findings(s), ElementsAreArray({"mx_no_ptr:mx2.example.test",
                                             "mx_spf_not_pass:mx2.example.test"}));
  EXPECT_THAT(r.err, HasSubstr("1 domains: 1 summaries, 2 MX addresses probed"));
}

TEST_F(DomainTargets, MxSetsAndTheirFindings) {
  std::string input;
  for (const domain_case& c : domain_cases()) {
    input += c.domain + "\n";
  }
  const std::string blocklist = write("blocklist.txt", "127.77.0.5/32\n");
  run_result r = scan({"--blocklist", blocklist, "-i", write("domains.txt", input)});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r);
  ASSERT_EQ(o.summaries.size(), domain_cases().size()) << r.out;
  for (const domain_case& c : domain_cases()) {
    SCOPED_TRACE(c.domain);
    const json& s = o.summaries.at(c.domain);
    EXPECT_EQ(s["mx"]["status"], c.mx_status) << s.dump();
    EXPECT_EQ(s["mx"]["null"], c.null_mx);
    EXPECT_EQ(s["mx"]["implicit"], c.implicit_mx);
    std::vector<std::string> hosts;
    for (const json& h : s["mx"]["hosts"]) {
      hosts.push_back(h["host"]);
    }
    EXPECT_THAT(hosts, ElementsAreArray(c.hosts)) << s.dump();
    std::vector<std::string> probed;
    for (const auto& [key, rec] : o.addresses) {
      if (key.first == c.domain) {
        probed.push_back(key.second);
      }
    }
    EXPECT_THAT(probed, ElementsAreArray(c.addresses));
    EXPECT_EQ(s["addresses"]["probed"], c.addresses.size());
    EXPECT_THAT(findings(s), ElementsAreArray(c.findings)) << s.dump();
  }
  // The blocklisted MX address is named as skipped, not probed.
  const json& blocked = o.summaries.at("blocked.dom.test")["addresses"]["skipped"];
  ASSERT_EQ(blocked.size(), 1u);
  EXPECT_EQ(blocked[0]["ip"], "127.77.0.5");
  EXPECT_EQ(blocked[0]["reason"], "blocklist");
  // An address shared by two MX hosts carries the more preferred one.
  EXPECT_EQ(o.addresses.at({"dup.dom.test", "127.77.0.1"})["mx"]["host"], "mx1.example.test");
  EXPECT_EQ(o.addresses.at({"implicit.dom.test", "127.77.0.4"})["mx"]["implicit"], true);
}

TEST_F(DomainTargets, SpfVerdictForEveryMechanismAndLimit) {
  std::string input;
  for (const spf_case& c : spf_cases()) {
    input += c.domain + "\n";
  }
  run_result r = scan({"-i", write("domains.txt", input)});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r);
  for (const spf_case& c : spf_cases()) {
    SCOPED_TRACE(c.domain + " '" + c.record + "'");
    const auto it = o.addresses.find({c.domain, spf_mx_address});
    ASSERT_NE(it, o.addresses.end()) << r.out;
    const json& spf = it->second.at("spf");
    EXPECT_EQ(spf["result"], c.result) << spf.dump();
    if (!c.reason.empty()) {
      EXPECT_THAT(text(spf, "reason"), HasSubstr(c.reason)) << spf.dump();
    }
  }
  // The summary lists the record(s) found and flags several as such.
  EXPECT_EQ(o.summaries.at("multiple.spf.test")["spf"]["records"].size(), 2u);
  EXPECT_THAT(findings(o.summaries.at("multiple.spf.test")), ::testing::Contains("spf_multiple"));
  EXPECT_THAT(findings(o.summaries.at("none.spf.test")), ::testing::Contains("no_spf"));
  // A fail carries the domain's exp= text, macros expanded (RFC 7208 6.2).
  const json& exp = o.addresses.at({"exp.spf.test", spf_mx_address}).at("spf");
  EXPECT_EQ(exp["explanation"], std::string(spf_mx_address) + " may not send for exp.spf.test")
      << exp.dump();
  EXPECT_FALSE(o.addresses.at({"ip4-fail.spf.test", spf_mx_address}).at("spf").contains(
      "explanation"));
  // The SPF lint: from the record's text, and from what evaluating it found.
  const std::vector<std::pair<std::string, std::string>> lint = {
      {"neutral.spf.test", "spf_all_neutral"},
      {"mx-mech.spf.test", ""},
      {"redirect-none.spf.test", ""},
      {"too-many.spf.test", "spf_too_many_lookups"},
      {"void.spf.test", "spf_too_many_void_lookups"},
      {"include-none.spf.test", "spf_include_without_spf"},
  };
  for (const auto& [domain, code] : lint) {
    SCOPED_TRACE(domain);
    std::vector<std::string> spf_codes;
    for (const std::string& f : findings(o.summaries.at(domain))) {
      if (f.starts_with("spf_")) {
        spf_codes.push_back(f);
      }
    }
    EXPECT_THAT(spf_codes, code.empty() ? ElementsAreArray(std::vector<std::string>{})
                                        : ElementsAreArray({code}));
  }
  EXPECT_EQ(o.summaries.at("include-none.spf.test")["findings"].back()["detail"],
            "nospf.spf.test");
}

/// Every member path of `j` to two levels below the record ("ptr",
/// "ptr.names", "smtp[]", "smtp[].tls"; an array of objects adds "[]").
void member_paths(const json& j, const std::string& prefix, int depth, std::set<std::string>& out) {
  if (depth == 0 || !j.is_object()) {
    return;
  }
  for (const auto& [key, value] : j.items()) {
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_array() && !value.empty() && value.front().is_object()) {
      path += "[]";
      out.insert(path);
      for (const json& element : value) {
        member_paths(element, path, depth - 1, out);
      }
    } else {
      out.insert(path);
      member_paths(value, path, depth - 1, out);
    }
  }
}

// --list-fields names every member the records of a scan with every probe
// carry: a path is listed itself, leads to a listed path ("checks" to
// "checks.ehlo_ptr_match"), or sits in a listed object ("smtp[].tls.version").
TEST_F(DomainTargets, ListFieldsNamesEveryMemberTheRecordsCarry) {
  scripted_smtp_server mx1(smtp_script::multiline_greeting, "127.77.0.1", 0);
  const std::string port = std::to_string(mx1.address().port);
  std::string listed_ip;
  for (const dnsbl_case& c : dnsbl_cases()) {
    if (c.status == "listed" && !c.reason.empty() && listed_ip.empty()) {
      listed_ip = c.ip;
    }
  }
  ASSERT_FALSE(listed_ip.empty());
  run_result r = scan({"--probes", "ptr,fcrdns,smtp,starttls,relay,policy", "--smtp-ports", port,
                       "--ehlo-name", "scanner.test", "--dnsbl", domain_dnsbl_zone,
                       "example.test", listed_ip, "127.77.0.10,ip4-pass.spf.test,mx.spf.test"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  run_result fields = run_process({PTRSCAN_BINARY, "--list-fields"});
  ASSERT_EQ(fields.exit_code, 0) << fields.describe();
  std::map<std::string, std::string> listed;  // path -> type
  std::istringstream lines(fields.out);
  for (std::string line; std::getline(lines, line);) {
    const std::vector<std::string> cols = [&] {
      std::vector<std::string> c;
      std::istringstream in(line);
      for (std::string col; std::getline(in, col, '\t');) {
        c.push_back(col);
      }
      return c;
    }();
    ASSERT_EQ(cols.size(), 3u) << line;
    listed[cols[0]] = cols[1];
  }
  std::set<std::string> seen;
  for (const json& rec : read(r).lines) {
    member_paths(rec, "", 3, seen);
  }
  // The scan reached every probe's section.
  for (const char* section : {"ptr", "fcrdns", "rdns", "spf", "smtp[]", "dnsbl[]", "mx",
                              "findings[]", "relay", "checks", "checks.helo_rules[]",
                              "sender", "sender.helo_rules", "policy", "policy.postfix[]",
                              "policy.mxtoolbox_smtp[]", "sender.spf_mailfrom.decided_by"}) {
    EXPECT_EQ(seen.count(section), 1u) << section;
  }
  for (const std::string& path : seen) {
    bool covered = listed.count(path) != 0;
    for (const auto& [name, type] : listed) {
      covered = covered || name.rfind(path + ".", 0) == 0 || name.rfind(path + "[]", 0) == 0 ||
                (type == "object" && path.rfind(name + ".", 0) == 0);
    }
    EXPECT_TRUE(covered) << path << " is in a record but not in --list-fields";
  }
}

TEST_F(DomainTargets, DnsblListingsPerZone) {
  std::vector<std::string> args = {"--dnsbl", domain_dnsbl_zone};
  for (const dnsbl_case& c : dnsbl_cases()) {
    args.push_back(c.ip);
  }
  run_result r = scan(args);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  output o = read(r);
  for (const dnsbl_case& c : dnsbl_cases()) {
    SCOPED_TRACE(c.ip);
    const json& rec = o.addresses.at({"", c.ip});
    ASSERT_EQ(rec["dnsbl"].size(), 1u) << rec.dump();
    const json& d = rec["dnsbl"][0];
    EXPECT_EQ(d["zone"], domain_dnsbl_zone);
    EXPECT_EQ(d["status"], c.status) << d.dump();
    if (!c.code.empty()) {
      EXPECT_EQ(d["codes"], json::array({c.code}));
    }
    EXPECT_EQ(text(d, "reason"), c.reason);
    if (c.status == "error") {
      EXPECT_FALSE(text(d, "error").empty()) << d.dump();
    }
  }
  // No zone is queried unless named: without --dnsbl the field is absent.
  run_result plain = scan({"127.77.0.1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.describe();
  EXPECT_FALSE(read(plain).lines.at(0).contains("dnsbl"));
}

// --state counts a domain once its summary is written; a rerun skips it.
TEST_F(DomainTargets, ResumedScanSkipsFinishedDomains) {
  const std::string out = dir_ + "/out.ndjson";
  const std::string state = dir_ + "/state";
  const std::vector<std::string> args = {"-o", out, "--state", state, "--seed", "1",
                                         "example.test", "cname.dom.test", "127.77.0.4"};
  run_result first = scan(args);
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  const std::string written = slurp(out);
  run_result again = scan(args);
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  const std::string rewritten = slurp(out);
  EXPECT_EQ(rewritten, written);  // nothing scanned twice, nothing lost
  EXPECT_THAT(again.err, HasSubstr("3 written before"));
}

// Domains are dealt to --shard slices like addresses: disjoint, and
// together every domain once.
TEST_F(DomainTargets, ShardSlicesSplitDomains) {
  std::string input;
  for (const domain_case& c : domain_cases()) {
    input += c.domain + "\n";
  }
  const std::string path = write("domains.txt", input);
  std::multiset<std::string> seen;
  for (const char* slice : {"0/2", "1/2"}) {
    run_result r = scan({"--seed", "5", "--shard", slice, "-i", path});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    const output o = read(r);
    EXPECT_GT(o.summaries.size(), 0u) << slice;
    for (const auto& [domain, summary] : o.summaries) {
      seen.insert(domain);
    }
  }
  EXPECT_EQ(seen.size(), domain_cases().size());
  for (const domain_case& c : domain_cases()) {
    EXPECT_EQ(seen.count(c.domain), 1u) << c.domain;
  }
}

// Every domain read is accounted for: a summary each, and the metadata
// counts the MX addresses probed and skipped besides the address targets.
TEST_F(DomainTargets, MetadataAccountsForDomains) {
  const std::string meta = dir_ + "/meta.json";
  const std::string blocklist = write("blocklist.txt", "127.77.0.5/32\n");
  std::string input = "127.77.0.1\nnot a target!\n";
  for (const domain_case& c : domain_cases()) {
    input += c.domain + "\n";
  }
  run_result r = scan({"--metadata", meta, "--blocklist", blocklist, "-i",
                       write("targets.txt", input)});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const output o = read(r);
  const json m = json::parse(slurp(meta));
  const json& domains = m.at("domains");
  EXPECT_EQ(m.at("targets_read"), 1);
  EXPECT_EQ(m.at("records"), 1);
  EXPECT_EQ(m.at("lines_rejected"), 1);
  EXPECT_EQ(domains.at("read"), domain_cases().size());
  EXPECT_EQ(domains.at("summaries"), o.summaries.size());
  EXPECT_EQ(domains.at("mx_addresses_skipped"), 1);  // blocked.dom.test's
  size_t mx_records = 0;
  for (const auto& [key, rec] : o.addresses) {
    mx_records += key.first.empty() ? 0 : 1;
  }
  EXPECT_EQ(domains.at("mx_addresses_probed"), mx_records);
  EXPECT_EQ(o.lines.size(), 1 + mx_records + o.summaries.size());
}

}  // namespace
}  // namespace ptrscan::testnet
