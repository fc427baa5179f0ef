#include "checks/rdns_class.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

struct row {
  std::string name;
  std::string ip;
  rdns_class want;
  std::string encoding = "";
  std::vector<std::string> tokens = {};
};

class RdnsClassTest : public ::testing::Test {
 protected:
  void run_rows(const std::vector<row>& rows) {
    for (const row& r : rows) {
      SCOPED_TRACE(r.name + " / " + r.ip);
      const auto ip = ip_address::parse(r.ip);
      ASSERT_TRUE(ip.has_value());
      classifier_.classify(r.name, *ip, verdict_);
      EXPECT_EQ(to_string(verdict_.cls), to_string(r.want));
      EXPECT_EQ(verdict_.ip_encoded, r.encoding);
      EXPECT_EQ(verdict_.tokens, r.tokens);
    }
  }

  rdns_classifier classifier_;
  rdns_verdict verdict_;  // reused across rows, as a shard reuses it across hosts
};

TEST_F(RdnsClassTest, NoneAndInvalid) {
  run_rows({
      {"", "192.0.2.1", rdns_class::none},
      {"192.0.2.1", "192.0.2.1", rdns_class::invalid},
      {"1.2.0.192.in-addr.arpa", "192.0.2.1", rdns_class::invalid},
      {"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "2001:db8::1",
       rdns_class::invalid},
      {"localhost", "192.0.2.1", rdns_class::invalid},
      {"localhost.localdomain", "192.0.2.1", rdns_class::invalid},
      {"mailserver", "192.0.2.1", rdns_class::invalid},
      {"-mx.example.com", "192.0.2.1", rdns_class::invalid},
      {"mx..example.com", "192.0.2.1", rdns_class::invalid},
      {"mx.exa mple.com", "192.0.2.1", rdns_class::invalid},
      {"2001:db8::1", "2001:db8::1", rdns_class::invalid},
      {std::string(64, 'a') + ".example.com", "192.0.2.1", rdns_class::invalid},
  });
}

TEST_F(RdnsClassTest, GenericDynamic) {
  run_rows({
      {"c-73-15-2-1.hsd1.ca.comcast.net",
       "73.15.2.1",
       rdns_class::generic_dynamic,
       "dashed",
       {"hsd"}},
      {"pool-71-106-205-167.lsanca.fios.verizon.net",
       "71.106.205.167",
       rdns_class::generic_dynamic,
       "dashed",
       {"pool", "fios"}},
      {"p5b0a1c2d.dip0.t-ipconnect.de", "91.10.28.45", rdns_class::generic_dynamic, "hex", {"dip"}},
      {"dsl51b66e0f.pool.t-online.hu",
       "81.182.110.15",
       rdns_class::generic_dynamic,
       "hex",
       {"dsl", "pool"}},
      {"dhcp024-210-034-053.columbus.rr.com",
       "24.210.34.53",
       rdns_class::generic_dynamic,
       "zero-padded-dashed",
       {"dhcp"}},
      {"2001-db8-85a3-0-0-8a2e-370-7334.dyn.example.net",
       "2001:db8:85a3::8a2e:370:7334",
       rdns_class::generic_dynamic,
       "ipv6-groups",
       {"dyn"}},
      // No IP, but allocation words that stand alone.
      {"ppp1234.isp.example", "198.51.100.7", rdns_class::generic_dynamic, "", {"ppp"}},
      {"adsl-dynamic-pool-xxx.fpt.vn",
       "203.0.113.9",
       rdns_class::generic_dynamic,
       "",
       {"adsl", "dynamic", "pool"}},
      // No IP, access words backed by a second one or by a line number.
      {"cpe00e0184f0eba-cm014490118324.cpe.net.cable.rogers.com",
       "24.43.109.140",
       rdns_class::generic_dynamic,
       "",
       {"cpe", "cm", "cable"}},
      {"mg001182.user.veloxzone.com.br", "201.17.1.2", rdns_class::generic_dynamic, "", {"user"}},
  });
}

TEST_F(RdnsClassTest, GenericStatic) {
  run_rows({
      {"static.1.2.0.192.clients.your-server.de",
       "192.0.2.1",
       rdns_class::generic_static,
       "reversed-dotted",
       {"static", "clients"}},
      {"static-198-51-100-7.dsl.example.net",
       "198.51.100.7",
       rdns_class::generic_static,
       "dashed",
       {"static", "dsl"}},
      {"198-51-100-7.business.example.net",
       "198.51.100.7",
       rdns_class::generic_static,
       "dashed",
       {"business"}},
      {"server-13-32-1-2.fra50.r.cloudfront.net",
       "13.32.1.2",
       rdns_class::generic_static,
       "dashed",
       {"server"}},
      {"static.vnpt.vn", "203.0.113.9", rdns_class::generic_static, "", {"static"}},
      {"2001-db8--1.static.example.net",
       "2001:db8::1",
       rdns_class::generic_static,
       "ipv6-groups",
       {"static"}},
  });
}

TEST_F(RdnsClassTest, GenericUnspecified) {
  run_rows({
      {"ec2-3-91-1-2.compute-1.amazonaws.com", "3.91.1.2", rdns_class::generic_unspecified,
       "dashed"},
      {"ns3012345.ip-151-80-42.eu", "151.80.42.17", rdns_class::generic_unspecified, "prefix"},
      {"ip-3405803821.example.net", "203.0.113.45", rdns_class::generic_unspecified, "integer"},
      {"zmahcli.example.net", "203.0.113.45", rdns_class::generic_unspecified, "base32"},
      {"20014c48010002d3d80c3ca1f161e842.access.pool.telekom.hu",
       "2001:4c48:100:2d3:d80c:3ca1:f161:e842",
       rdns_class::generic_dynamic,
       "ipv6-nibbles",
       {"pool"}},
      {"45.77.1.2.vultrusercontent.com", "45.77.1.2", rdns_class::generic_unspecified, "dotted"},
  });
}

TEST_F(RdnsClassTest, MailLike) {
  run_rows({
      {"mx1.example.com", "192.0.2.1", rdns_class::mail_like, "", {"mx"}},
      {"mx2.example.com", "192.0.2.2", rdns_class::mail_like, "", {"mx"}},
      {"smtp01.corp.example", "198.51.100.1", rdns_class::mail_like, "", {"smtp"}},
      {"mail2019.example.org", "198.51.20.19", rdns_class::mail_like, "", {"mail"}},
      {"mail-pl1-f169.google.com", "209.85.214.169", rdns_class::mail_like, "", {"mail"}},
      {"mail-dm6nam10on2102.outbound.protection.outlook.com",
       "40.107.92.102",
       rdns_class::mail_like,
       "",
       {"mail", "outbound"}},
      // The IP is there, but an operator named its mail fleet: no allocation
      // word, a mail role.
      {"a8-30.smtp-out.amazonses.com", "54.240.8.30", rdns_class::mail_like, "partial", {"smtp"}},
      {"mta-198-51-100-7.esp.example", "198.51.100.7", rdns_class::mail_like, "dashed", {"mta"}},
  });
}

TEST_F(RdnsClassTest, Custom) {
  run_rows({
      {"www.example.com", "192.0.2.1", rdns_class::custom},
      {"poolside-hotel.example", "192.0.2.1", rdns_class::custom},
      {"reception.poolside-hotel.example", "192.0.2.1", rdns_class::custom},
      {"generaldynamics.com", "192.0.2.1", rdns_class::custom},
      {"server1.example.com", "192.0.2.1", rdns_class::custom, "", {"server"}},
      {"home.example.com", "192.0.2.1", rdns_class::custom, "", {"home"}},
      {"host1234.example.net", "1.2.3.4", rdns_class::custom},
      // Another host's generic name: not generic for this IP.
      {"1-2-3-4.example.net", "198.51.100.7", rdns_class::custom},
  });
}

TEST_F(RdnsClassTest, PrecedenceBetweenTokens) {
  run_rows({
      // An allocation word beats the mail role; dynamic beats static.
      {"mail-198-51-100-7.static.example.net",
       "198.51.100.7",
       rdns_class::generic_static,
       "dashed",
       {"mail", "static"}},
      {"smtp.198-51-100-7.dynamic.example.net",
       "198.51.100.7",
       rdns_class::generic_dynamic,
       "dashed",
       {"smtp", "dynamic"}},
      {"dynamic-static-198-51-100-7.example.net",
       "198.51.100.7",
       rdns_class::generic_dynamic,
       "dashed",
       {"dynamic", "static"}},
      // Business context beats access context.
      {"198-51-100-7.business.cable.example.net",
       "198.51.100.7",
       rdns_class::generic_static,
       "dashed",
       {"business", "cable"}},
      // Another host's address carries no weight: the words decide.
      {"1-2-3-4.dynamic.example.net", "198.51.100.7", rdns_class::generic_dynamic, "", {"dynamic"}},
  });
}

// Issue 16: the terms the issue and the brief name, each in a provider's
// template (or an invented one on an example domain where none was found).
TEST_F(RdnsClassTest, Issue16Terms) {
  run_rows({
      // Business static service: Spectrum "biz", Cox "wsip", "bus"; "perm".
      {"rrcs-24-123-59-149.central.biz.rr.com",
       "24.123.59.149",
       rdns_class::generic_static,
       "dashed",
       {"biz"}},
      {"wsip-70-168-1-2.ph.ph.cox.net", "70.168.1.2", rdns_class::generic_static, "dashed",
       {"wsip"}},
      {"bus-198-51-100-7.example.com", "198.51.100.7", rdns_class::generic_static, "dashed",
       {"bus"}},
      {"perm-198-51-100-7.example.org", "198.51.100.7", rdns_class::generic_static, "dashed",
       {"perm"}},
      // A dynamic word still beats "perm" (Perm is also a city:
      // "dynamicip-….pppoe.perm.ertelecom.ru").
      {"dynamicip-109-194-1-2.pppoe.perm.ertelecom.ru",
       "109.194.1.2",
       rdns_class::generic_dynamic,
       "dashed",
       {"dynamicip", "pppoe", "perm"}},
      // Access media: fibre, mobile, LTE, CGNAT, WLAN.
      {"ftth-198-51-100-7.example.net", "198.51.100.7", rdns_class::generic_dynamic, "dashed",
       {"ftth"}},
      {"198-51-100-7.fiber.example.com", "198.51.100.7", rdns_class::generic_dynamic, "dashed",
       {"fiber"}},
      {"fibre-7-100-51-198.example.co.uk",
       "198.51.100.7",
       rdns_class::generic_dynamic,
       "reversed-dashed",
       {"fibre"}},
      {"mobile-198-051-100-007.mycingular.net",
       "198.51.100.7",
       rdns_class::generic_dynamic,
       "zero-padded-dashed",
       {"mobile"}},
      {"lte-198-51-100-7.example.de", "198.51.100.7", rdns_class::generic_dynamic, "dashed",
       {"lte"}},
      {"cgnat-198-51-100-7.example.net", "198.51.100.7", rdns_class::generic_dynamic, "dashed",
       {"cgnat"}},
      {"198-51-100-7-wlan.lpnet.com.br", "198.51.100.7", rdns_class::generic_dynamic, "dashed",
       {"wlan"}},
      // "pcp" with Comcast's line number and no address.
      {"pcp04024417pcs.toresd01.pa.comcast.net", "68.86.206.126", rdns_class::generic_dynamic, "",
       {"pcp"}},
      // The words alone, in chosen names: custom.
      {"bus-depot.example.com", "198.51.100.7", rdns_class::custom, "", {"bus"}},
      {"biz.example.org", "198.51.100.7", rdns_class::custom, "", {"biz"}},
      {"mobile-app.example.net", "198.51.100.7", rdns_class::custom, "", {"mobile"}},
      // The issue's misses from public guides.
      {"147-128-89-200.fibertel.com.ar", "200.89.128.147", rdns_class::generic_unspecified,
       "reversed-dashed"},
      {"ip196-233.bacs-net.hu", "198.51.196.233", rdns_class::generic_unspecified, "partial"},
      {"bc96169.bendcable.com", "198.51.100.7", rdns_class::custom},
  });
}

// Names that do not spell the address: what still makes them generic.
TEST_F(RdnsClassTest, WithoutTheAddress) {
  run_rows({
      // An access word followed by two runs of digits (SpamAssassin
      // __RDNS_DYNAMIC_DHCP); one run is not enough.
      {"cm89.omega139.maxonline.com.sg", "203.0.113.9", rdns_class::generic_dynamic, "", {"cm"}},
      {"node-c-8b22.a2000.nl", "203.0.113.9", rdns_class::generic_dynamic, "", {"node"}},
      {"k8s-node-7.example.net", "203.0.113.9", rdns_class::custom, "", {"node"}},
      {"client-7.example.org", "203.0.113.9", rdns_class::custom, "", {"client"}},
      // A numbered host in an access zone (SpamAssassin __RDNS_DYNAMIC_HCC);
      // the host needs two runs of digits, and the zone a host left of it.
      {"ec9z5l.cm.chello.no", "203.0.113.9", rdns_class::generic_dynamic, "", {"cm"}},
      {"ec9z.cm.example.no", "203.0.113.9", rdns_class::custom, "", {"cm"}},
      {"www.dsl.example.com", "203.0.113.9", rdns_class::custom, "", {"dsl"}},
      // A static word backed by a line number.
      {"corporat169-515625754.sta.etb.net.co",
       "203.0.113.9",
       rdns_class::generic_static,
       "",
       {"corporat", "sta"}},
      {"sta-1234.example.net", "203.0.113.9", rdns_class::custom, "", {"sta"}},
      // An allocation word beside an ordinary word in one label was chosen;
      // template words ("host", "reverse") do not count as chosen.
      {"dynamic-pricing.example.com", "203.0.113.9", rdns_class::custom, "", {"dynamic"}},
      {"static-site.example.org", "203.0.113.9", rdns_class::custom, "", {"static"}},
      {"ppp-support.example.org", "203.0.113.9", rdns_class::custom, "", {"ppp"}},
      {"smtp-static-relay.example.org",
       "203.0.113.9",
       rdns_class::mail_like,
       "",
       {"smtp", "static", "relay"}},
      {"dynamic-host.example.net", "203.0.113.9", rdns_class::generic_dynamic, "", {"dynamic"}},
      {"static-reverse.example.net", "203.0.113.9", rdns_class::generic_static, "", {"static"}},
      // Ordinary words in another label leave the allocation word alone.
      {"ppp.telecom-east.example.net", "203.0.113.9", rdns_class::generic_dynamic, "", {"ppp"}},
      {"static.vnpt.vn", "203.0.113.9", rdns_class::generic_static, "", {"static"}},
      {"pppoe123456.mv.ru", "203.0.113.9", rdns_class::generic_dynamic, "", {"pppoe"}},
  });
}

TEST_F(RdnsClassTest, KeywordsOnlyInHostLabels) {
  run_rows({
      // The organisation label names the company, not the host.
      {"1-2-3-4.mail.ru", "1.2.3.4", rdns_class::generic_unspecified, "dashed"},
      {"pd9e4f89f.t-dialin.net", "217.228.248.159", rdns_class::generic_unspecified, "hex"},
      {"myhost.dyndns.org", "192.0.2.1", rdns_class::custom},
  });
}

TEST_F(RdnsClassTest, CapitalsAreFolded) {
  run_rows({{"Static.VNPT.vn", "203.0.113.9", rdns_class::generic_static, "", {"static"}}});
}

TEST(RdnsSplitNameTest, PublicSuffixComesFromLibpsl) {
  const rdns_classifier c;
  struct split_row {
    std::string name, host, organisation, suffix;
  };
  for (const split_row& r : std::vector<split_row>{
           {"foo.co.uk", "", "foo", "co.uk"},
           {"mail.foo.co.uk", "mail", "foo", "co.uk"},
           {"c-73-15-2-1.hsd1.ca.comcast.net", "c-73-15-2-1.hsd1.ca", "comcast", "net"},
           {"static.vnpt.vn", "static", "vnpt", "vn"},
           {"a8-30.smtp-out.amazonses.com", "a8-30.smtp-out", "amazonses", "com"},
           // Private-section rules are ignored: the EC2 labels stay host labels.
           {"ec2-3-91-1-2.compute-1.amazonaws.com", "ec2-3-91-1-2.compute-1", "amazonaws", "com"},
           // "*.kawasaki.jp" with the exception "!city.kawasaki.jp".
           {"x.y.foo.kawasaki.jp", "x", "y", "foo.kawasaki.jp"},
           {"x.y.city.kawasaki.jp", "x.y", "city", "kawasaki.jp"},
           {"mx.example", "", "mx", "example"},
           {"co.uk", "", "", "co.uk"},
           // The list's longest ICANN rules have four labels.
           {"a.b.c.d.e.host.school.pvt.k12.ma.us", "a.b.c.d.e.host", "school", "pvt.k12.ma.us"},
           {"a.b.c.d.e.f.g.h.i.j.k.example.co.uk", "a.b.c.d.e.f.g.h.i.j.k", "example", "co.uk"},
       }) {
    SCOPED_TRACE(r.name);
    const rdns_name_parts p = c.split_name(r.name);
    EXPECT_EQ(p.host, r.host);
    EXPECT_EQ(p.organisation, r.organisation);
    EXPECT_EQ(p.suffix, r.suffix);
  }
}

// The suffix memo changes no answer: names split the same on a cold and a
// warm classifier, in any order, and past the memo's bound (where it starts
// over) too.
TEST(RdnsSplitNameTest, MemoisedSuffixesGiveTheSameSplit) {
  const std::vector<std::string> names = {
      "foo.co.uk", "x.y.city.kawasaki.jp", "x.y.foo.kawasaki.jp", "host.school.pvt.k12.ma.us",
      "c-73-15-2-1.hsd1.ca.comcast.net", "mx.example", "co.uk", "a.b.c.d.e.f.example.com.au"};
  rdns_classifier warm;
  for (int round = 0; round < 3; ++round) {
    for (const std::string& name : names) {
      const rdns_classifier cold;
      const rdns_name_parts want = cold.split_name(name);
      const rdns_name_parts got = warm.split_name(name);
      EXPECT_EQ(got.suffix, want.suffix) << name;
      EXPECT_EQ(got.organisation, want.organisation) << name;
      EXPECT_EQ(got.host, want.host) << name;
    }
  }
  // Fill the memo past its bound with distinct suffixes; answers hold.
  for (size_t i = 0; i <= rdns_classifier::max_cached_suffixes / 4; ++i) {
    (void)warm.split_name("a.b.c.d" + std::to_string(i) + ".example");
  }
  EXPECT_EQ(warm.split_name("mail.foo.co.uk").suffix, "co.uk");
  EXPECT_EQ(warm.split_name("x.y.city.kawasaki.jp").suffix, "kawasaki.jp");
}

TEST(RdnsClassNamesTest, EveryClassHasItsContractName) {
  const std::vector<std::string> want = {
      "none",      "invalid", "generic-dynamic", "generic-static", "generic-unspecified",
      "mail-like", "custom"};
  ASSERT_EQ(want.size(), static_cast<size_t>(rdns_class_count));
  for (int i = 0; i < rdns_class_count; ++i) {
    EXPECT_EQ(to_string(static_cast<rdns_class>(i)), want[static_cast<size_t>(i)]);
  }
}

}  // namespace
}  // namespace ptrscan
