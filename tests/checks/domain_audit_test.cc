#include "checks/domain_audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "output/json_writer.h"
#include "probes/domain.h"

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using json = nlohmann::json;

ip_address ip(const char* text) { return *ip_address::parse(text); }

dns_reply mx_answer(std::vector<mx_record> records, bool null_mx = false) {
  dns_reply r;
  r.status = dns_status::ok;
  r.mx = std::move(records);
  r.null_mx = null_mx;
  return r;
}

dns_reply status_only(dns_status s) {
  dns_reply r;
  r.status = s;
  return r;
}

json summary(const domain_audit& a, bool ptr_probed = true) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  write_domain_summary(w, a, ptr_probed);
  w.end_object();
  w.end_line();
  EXPECT_EQ(out.back(), '\n');
  return json::parse(out);
}

std::vector<std::string> codes(const json& s) {
  std::vector<std::string> out;
  for (const json& f : s["findings"]) {
    out.push_back(f["code"].get<std::string>() +
                  (f.contains("host") ? ":" + f["host"].get<std::string>() : ""));
  }
  return out;
}

TEST(DomainAudit, MxHostsSortedByPreferenceAndDeduplicated) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{20, "b.example.test"}, {10, "a.example.test"}, {30, "a.example.test"}}));
  ASSERT_EQ(a.hosts.size(), 2u);
  EXPECT_EQ(a.hosts[0].host, "a.example.test");
  EXPECT_EQ(a.hosts[0].preference, 10);
  EXPECT_EQ(a.hosts[1].host, "b.example.test");
  EXPECT_FALSE(a.implicit_mx);
}

TEST(DomainAudit, NoMxMeansImplicitMxAtTheDomain) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(status_only(dns_status::nodata));
  ASSERT_EQ(a.hosts.size(), 1u);
  EXPECT_EQ(a.hosts[0].host, "example.test");
  EXPECT_TRUE(a.implicit_mx);
  EXPECT_THAT(codes(summary(a)), ::testing::Contains("no_mx"));
}

TEST(DomainAudit, NullMxHasNoHosts) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{0, ""}}, true));
  EXPECT_TRUE(a.hosts.empty());
  EXPECT_TRUE(a.null_mx);
  a.set_txt(status_only(dns_status::nodata));
  EXPECT_THAT(codes(summary(a)), ElementsAre("null_mx", "no_spf"));
}

TEST(DomainAudit, HostFindings) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{10, "192.0.2.1"},
                      {20, "alias.example.test"},
                      {30, "ghost.example.test"},
                      {40, "broken.example.test"}}));
  ASSERT_EQ(a.hosts.size(), 4u);
  EXPECT_TRUE(a.hosts[0].ip_literal);
  a.set_addresses(0, false, dns_status::nxdomain, {}, false);
  a.set_addresses(0, true, dns_status::nxdomain, {}, false);
  a.set_addresses(1, false, dns_status::ok, {ip("198.51.100.1")}, true);
  a.set_addresses(1, true, dns_status::nodata, {}, true);
  a.set_addresses(2, false, dns_status::nxdomain, {}, false);
  a.set_addresses(2, true, dns_status::nxdomain, {}, false);
  a.set_addresses(3, false, dns_status::servfail, {}, false);
  a.set_addresses(3, true, dns_status::nodata, {}, false);
  a.set_txt(status_only(dns_status::ok));
  a.collect_addresses([](const ip_address&) { return std::string_view(); });
  const json s = summary(a);
  EXPECT_THAT(codes(s), ElementsAre("mx_ip_literal:192.0.2.1", "mx_no_address:192.0.2.1",
                                    "mx_cname:alias.example.test",
                                    "mx_no_address:ghost.example.test",
                                    "mx_address_lookup_failed:broken.example.test", "no_spf"));
  EXPECT_EQ(s["addresses"]["probed"], 1);
}

TEST(DomainAudit, MxNamingTheApexItself) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{10, "example.test"}, {20, "mx.example.test"}}));
  ASSERT_EQ(a.hosts.size(), 2u);
  EXPECT_TRUE(a.hosts[0].apex);
  EXPECT_FALSE(a.hosts[1].apex);
  for (size_t i = 0; i < 2; ++i) {
    a.set_addresses(i, false, dns_status::ok, {ip("198.51.100.1")}, false);
    a.set_addresses(i, true, dns_status::nodata, {}, false);
  }
  a.set_txt(status_only(dns_status::ok));
  EXPECT_THAT(codes(summary(a)), ElementsAre("mx_apex:example.test", "no_spf"));

  // The implicit MX (no MX records) is the apex too, but that is no_mx's
  // finding: no record names it.
  domain_audit implicit;
  implicit.reset("example.test");
  implicit.set_mx(status_only(dns_status::nodata));
  EXPECT_FALSE(implicit.hosts[0].apex);
}

TEST(DomainAudit, AddressesDistinctFilteredAndCapped) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{10, "a.example.test"}, {20, "b.example.test"}}));
  std::vector<ip_address> many;
  for (int i = 1; i <= 40; ++i) {
    many.push_back(ip(("198.51.100." + std::to_string(i)).c_str()));
  }
  a.set_addresses(0, false, dns_status::ok, {ip("198.51.100.1"), ip("10.0.0.1")}, false);
  a.set_addresses(1, false, dns_status::ok, many, false);
  a.collect_addresses([](const ip_address& x) {
    return x.bytes[0] == 10 ? std::string_view("private-use") : std::string_view();
  });
  ASSERT_EQ(a.addresses.size(), 41u);  // 40 distinct + the private one
  EXPECT_EQ(a.addresses[0].host, 0u);  // the shared address keeps the better host
  EXPECT_EQ(a.addresses[1].skipped, "private-use");
  EXPECT_EQ(a.probed_count(), domain_audit::max_addresses);
  EXPECT_EQ(a.addresses.back().skipped, "limit");
}

TEST(DomainAudit, ProbeOutcomesBecomeFindings) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{10, "mx.example.test"}}));
  a.set_addresses(0, false, dns_status::ok, {ip("198.51.100.1"), ip("198.51.100.2")}, false);
  dns_reply txt = status_only(dns_status::ok);
  txt.texts = {"google-site-verification=x", "v=spf1 ip4:198.51.100.1 -all"};
  a.set_txt(txt);
  a.collect_addresses([](const ip_address&) { return std::string_view(); });
  a.addresses[0].probed = a.addresses[1].probed = true;
  a.addresses[0].ptr = dns_status::ok;
  a.addresses[1].ptr = dns_status::nxdomain;
  a.addresses[0].spf_evaluated = a.addresses[1].spf_evaluated = true;
  a.addresses[0].spf = spf_code::pass;
  a.addresses[1].spf = spf_code::fail;
  const json s = summary(a);
  EXPECT_EQ(s["spf"]["records"], json::array({"v=spf1 ip4:198.51.100.1 -all"}));
  EXPECT_THAT(codes(s), ElementsAre("mx_no_ptr:mx.example.test", "mx_spf_not_pass:mx.example.test"));
  EXPECT_EQ(s["findings"][1]["ip"], "198.51.100.2");
  EXPECT_EQ(s["findings"][1]["result"], "fail");
  // Without the ptr probe a missing PTR is not known, so not a finding.
  EXPECT_THAT(codes(summary(a, false)), ElementsAre("mx_spf_not_pass:mx.example.test"));
}

TEST(DomainAudit, SpfLintInFindings) {
  domain_audit a;
  a.reset("example.test");
  a.set_mx(mx_answer({{10, "mx.example.test"}}));
  a.set_addresses(0, false, dns_status::ok, {ip("198.51.100.1")}, false);
  dns_reply txt = status_only(dns_status::ok);
  txt.texts = {"v=spf1 ptr include:gone.example.net +all"};
  a.set_txt(txt);
  a.collect_addresses([](const ip_address&) { return std::string_view(); });
  a.addresses[0].probed = true;
  a.addresses[0].ptr = dns_status::ok;
  a.addresses[0].spf_evaluated = true;
  a.addresses[0].spf = spf_code::permerror;
  a.addresses[0].spf_facts = {3, 3, "gone.example.net"};
  const json s = summary(a);
  // The record's terms in record order, then what the evaluation found.
  EXPECT_THAT(codes(s), ElementsAre("mx_spf_not_pass:mx.example.test", "spf_ptr",
                                    "spf_all_pass", "spf_too_many_void_lookups",
                                    "spf_include_without_spf"));
  EXPECT_EQ(s["findings"][1]["detail"], "ptr");
  EXPECT_EQ(s["findings"][2]["detail"], "+all");
  EXPECT_EQ(s["findings"][3]["count"], 3);
  EXPECT_FALSE(s["findings"][3].contains("detail"));
  EXPECT_EQ(s["findings"][4]["detail"], "gone.example.net");

  // Several SPF records: spf_multiple, and no lint of either.
  txt.texts = {"v=spf1 +all", "v=spf1 ptr"};
  a.set_txt(txt);
  EXPECT_THAT(codes(summary(a)), ElementsAre("mx_spf_not_pass:mx.example.test", "spf_multiple"));

  // The length as published, not as kept in the summary.
  txt.texts = {"v=spf1 -all " + std::string(3000, 'x') + "=y"};
  a.set_txt(txt);
  a.addresses[0].spf_facts = {};
  const json long_record = summary(a);
  ASSERT_THAT(codes(long_record), ElementsAre("mx_spf_not_pass:mx.example.test", "spf_too_long"));
  EXPECT_EQ(long_record["findings"][1]["count"], 3014);
}

TEST(DomainAudit, NxdomainAndFailedLookup) {
  domain_audit a;
  a.reset("nope.example.test");
  a.set_mx(status_only(dns_status::nxdomain));
  a.set_txt(status_only(dns_status::nxdomain));
  EXPECT_THAT(codes(summary(a)), ElementsAre("nxdomain"));
  a.reset("slow.example.test");
  a.set_mx(status_only(dns_status::timeout));
  a.set_txt(status_only(dns_status::timeout));
  const json s = summary(a);
  EXPECT_THAT(codes(s), ElementsAre("mx_lookup_failed"));
  EXPECT_EQ(s["findings"][0]["status"], "timeout");
  EXPECT_FALSE(s.contains("ip"));
}

}  // namespace
}  // namespace ptrscan
