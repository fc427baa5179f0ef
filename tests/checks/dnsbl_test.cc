#include "checks/dnsbl.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "output/json_writer.h"
#include "probes/dnsbl.h"

namespace ptrscan {
namespace {

ip_address ip(const char* text) { return *ip_address::parse(text); }

TEST(DnsblQueryName, ReversesOctetsAndNibbles) {
  // RFC 5782 §2.1 and §2.4's own examples.
  EXPECT_EQ(dnsbl_query_name(ip("192.168.42.23"), "dnsbl.example.net"),
            "23.42.168.192.dnsbl.example.net");
  EXPECT_EQ(dnsbl_query_name(ip("2001:db8:1:2:3:4:567:89ab"), "ugly.example.com"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com");
}

struct decide_case {
  const char* label;
  dns_status status;
  std::vector<const char*> addrs;
  dnsbl_status want;
  bool ask_txt;
  const char* error_part;  // substring of error, "" for none
};

TEST(DnsblDecide, Table) {
  const std::vector<decide_case> cases = {
      {"nxdomain", dns_status::nxdomain, {}, dnsbl_status::not_listed, false, ""},
      {"nodata", dns_status::nodata, {}, dnsbl_status::not_listed, false, ""},
      {"listed", dns_status::ok, {"127.0.0.2"}, dnsbl_status::listed, true, ""},
      {"two codes", dns_status::ok, {"127.0.0.2", "127.0.0.11"}, dnsbl_status::listed, true, ""},
      {"outside 127/8", dns_status::ok, {"192.0.2.1"}, dnsbl_status::error, false, "outside"},
      {"one code outside", dns_status::ok, {"127.0.0.2", "10.0.0.1"}, dnsbl_status::error, false,
       "outside"},
      {"query refused", dns_status::ok, {"127.255.255.254"}, dnsbl_status::error, false,
       "refused"},
      {"ipv6 answer", dns_status::ok, {"::1"}, dnsbl_status::error, false, "outside"},
      {"servfail", dns_status::servfail, {}, dnsbl_status::error, false, "servfail"},
      {"timeout", dns_status::timeout, {}, dnsbl_status::error, false, "timeout"},
  };
  for (const decide_case& c : cases) {
    SCOPED_TRACE(c.label);
    std::vector<ip_address> addrs;
    for (const char* a : c.addrs) {
      addrs.push_back(ip(a));
    }
    dnsbl_result r;
    r.reason = "left over from another host";
    EXPECT_EQ(dnsbl_decide(c.status, addrs, r), c.ask_txt);
    EXPECT_EQ(r.status, c.want);
    EXPECT_TRUE(r.reason.empty());
    EXPECT_THAT(r.error, ::testing::HasSubstr(c.error_part));
    EXPECT_EQ(r.codes.size(), c.want == dnsbl_status::listed ? c.addrs.size() : 0u);
  }
}

TEST(DnsblReason, JoinsTxtRecordsAndIgnoresFailures) {
  dnsbl_result r;
  ASSERT_TRUE(dnsbl_decide(dns_status::ok, {ip("127.0.0.2")}, r));
  dnsbl_add_reason(dns_status::servfail, {"ignored"}, r);
  EXPECT_EQ(r.reason, "");
  dnsbl_add_reason(dns_status::ok, {"spam source", "see https://bl.test/x"}, r);
  EXPECT_EQ(r.reason, "spam source; see https://bl.test/x");
  // A huge TXT answer is capped: records are single lines of bounded size.
  dnsbl_result big;
  ASSERT_TRUE(dnsbl_decide(dns_status::ok, {ip("127.0.0.2")}, big));
  dnsbl_add_reason(dns_status::ok, {std::string(5000, 'x'), "more"}, big);
  EXPECT_EQ(big.reason, std::string(512, 'x'));
  EXPECT_TRUE(big.reason_truncated);
  EXPECT_FALSE(r.reason_truncated);
}

// The cut is marked whichever record it falls in, never falls inside a
// UTF-8 sequence, and a text that fits exactly is not marked.
TEST(DnsblReason, CutIsMarked) {
  dnsbl_result exact;
  ASSERT_TRUE(dnsbl_decide(dns_status::ok, {ip("127.0.0.2")}, exact));
  dnsbl_add_reason(dns_status::ok, {std::string(507, 'a'), "bcd"}, exact);
  EXPECT_EQ(exact.reason.size(), 512u);
  EXPECT_FALSE(exact.reason_truncated);

  dnsbl_result second;
  ASSERT_TRUE(dnsbl_decide(dns_status::ok, {ip("127.0.0.2")}, second));
  dnsbl_add_reason(dns_status::ok, {std::string(500, 'a'), "see https://bl.test/long/path"},
                   second);
  EXPECT_EQ(second.reason, std::string(500, 'a') + "; see https:");
  EXPECT_TRUE(second.reason_truncated);

  dnsbl_result utf8;
  ASSERT_TRUE(dnsbl_decide(dns_status::ok, {ip("127.0.0.2")}, utf8));
  // 511 bytes of ASCII, then "é" (2 bytes) straddles the cap: dropped whole.
  dnsbl_add_reason(dns_status::ok, {std::string(511, 'a') + "\xc3\xa9"}, utf8);
  EXPECT_EQ(utf8.reason, std::string(511, 'a'));
  EXPECT_TRUE(utf8.reason_truncated);

  std::string out;
  json_writer w(out);
  write_dnsbl_json(w, "bl.test", utf8);
  EXPECT_NE(out.find(R"(,"truncated":["reason"]})"), std::string::npos) << out;
}

TEST(DnsblJson, ListedAndError) {
  std::string out;
  json_writer w(out);
  dnsbl_result listed;
  dnsbl_decide(dns_status::ok, {ip("127.0.0.2")}, listed);
  dnsbl_add_reason(dns_status::ok, {"why"}, listed);
  write_dnsbl_json(w, "bl.test", listed);
  EXPECT_EQ(out, R"({"zone":"bl.test","status":"listed","codes":["127.0.0.2"],"reason":"why"})");
  out.clear();
  json_writer w2(out);
  dnsbl_result failed;
  dnsbl_decide(dns_status::timeout, {}, failed);
  write_dnsbl_json(w2, "bl.test", failed);
  EXPECT_EQ(out, R"({"zone":"bl.test","status":"error","error":"timeout"})");
}

}  // namespace
}  // namespace ptrscan
