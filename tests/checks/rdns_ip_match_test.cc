#include "checks/rdns_ip_match.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::rdns {
namespace {

struct row {
  std::string text;  // a name without its public suffix, as the classifier passes it
  std::string ip;
  std::string want;          // expected encoding; "" = the address is not in the name
  std::string spelled = "";  // the characters the match covers, when checked
};

void run_rows(const std::vector<row>& rows) {
  for (const row& r : rows) {
    SCOPED_TRACE(r.text + " / " + r.ip);
    const auto ip = ip_address::parse(r.ip);
    ASSERT_TRUE(ip.has_value());
    const ip_match m = find_ip(r.text, *ip);
    EXPECT_EQ(m.encoding, r.want);
    if (!r.spelled.empty()) {
      EXPECT_EQ(std::string_view(r.text).substr(m.begin, m.end - m.begin), r.spelled);
    }
  }
}

TEST(RdnsIpMatchTest, DecimalOctets) {
  run_rows({
      {"c-73-15-2-1.hsd1.ca.comcast", "73.15.2.1", "dashed", "73-15-2-1"},
      {"pool-71-106-205-167.lsanca.fios.verizon", "71.106.205.167", "dashed"},
      {"ec2-3-91-1-2.compute-1.amazonaws", "3.91.1.2", "dashed", "3-91-1-2"},
      {"45.77.1.2.vultrusercontent", "45.77.1.2", "dotted"},
      {"static.1.2.0.192.clients.your-server", "192.0.2.1", "reversed-dotted", "1.2.0.192"},
      {"4-3-2-1.dyn.example", "1.2.3.4", "reversed-dashed"},
      {"host-1-2.3.4.example", "1.2.3.4", "split"},
      {"dhcp024-210-034-053.columbus.rr", "24.210.34.53", "zero-padded-dashed"},
      {"modemcable090.28-201-24.mc.videotron", "24.201.28.90", "reversed-zero-padded-split"},
      {"74.67-201-80.adsl.skynet", "80.201.67.74", "reversed-split"},
      {"d53-64-35-171.nap.wideopenwest", "64.53.171.35", "permuted-dashed"},
      // The /24 in one place, the host octet in another (Telefonica Spain).
      {"118.red-80-35-201.pooles.rima-tde", "80.35.201.118", "split"},
  });
}

TEST(RdnsIpMatchTest, OneRunOfDigits) {
  run_rows({
      {"yahoobb219173000034.bbtec", "219.173.0.34", "zero-padded-concatenated", "219173000034"},
      {"ip203011345.example", "203.0.113.45", "concatenated"},
      {"ip451130203.example", "203.0.113.45", "reversed-concatenated"},
      {"c045113000203.example", "203.0.113.45", "reversed-zero-padded-concatenated"},
      {"ip-3405803821.example", "203.0.113.45", "integer", "3405803821"},
      {"n03405803821.example", "203.0.113.45", "integer"},
      // Too short to tell from a serial number.
      {"host1234.example", "1.2.3.4", ""},
  });
}

TEST(RdnsIpMatchTest, HexAndBase32) {
  run_rows({
      {"p5b0a1c2d.dip0.t-ipconnect", "91.10.28.45", "hex", "5b0a1c2d"},
      {"dsl51b66e0f.pool.t-online", "81.182.110.15", "hex", "51b66e0f"},
      {"0xd5aaf40b.dhcp.kabelnettet", "213.170.244.11", "hex"},
      {"ool-18be1aaf.dyn.optonline", "24.190.26.175", "hex"},
      {"host-2d1c0a5b.example", "91.10.28.45", "reversed-hex"},
      {"zmahcli.dyn.example", "203.0.113.45", "base32", "zmahcli"},
      {"n-pc072b8.example", "203.0.113.45", "base32hex", "pc072b8"},
  });
}

TEST(RdnsIpMatchTest, PartialAndPrefix) {
  run_rows({
      {"a8-30.smtp-out.amazonses", "54.240.8.30", "partial", "8-30"},
      {"fia83-8.dsl.hccnet", "62.251.8.83", "partial"},
      {"fia160-115-100.dsl.hccnet", "80.100.115.160", "partial"},
      {"ns3012345.ip-151-80-42", "151.80.42.17", "prefix", "151-80-42"},
  });
}

TEST(RdnsIpMatchTest, NotTheAddress) {
  run_rows({
      // One octet is never evidence: mail server numbers, Google's "f169".
      {"mx2.example", "192.0.2.2", ""},
      {"mail-pl1-f169.google", "209.85.214.169", ""},
      {"smtp01.corp.example", "198.51.100.1", ""},
      // A year is not the last two octets glued together.
      {"mail2019.example", "198.51.20.19", ""},
      // Another host's address: a whole address is there, so its tail is
      // not read as a partial match of ours.
      {"1-2-3-4.static.isp", "9.9.3.4", ""},
      {"c-73-15-2-1.hsd1.ca.comcast", "73.15.2.9", ""},
      {"pool-71-106-205-167.lsanca.fios.verizon", "71.106.205.168", ""},
  });
}

TEST(RdnsIpMatchTest, Ipv6) {
  run_rows({
      {"20014c48010002d3d80c3ca1f161e842.access.pool.telekom",
       "2001:4c48:100:2d3:d80c:3ca1:f161:e842", "ipv6-nibbles", "20014c48010002d3d80c3ca1f161e842"},
      {"4.3.3.7.0.7.3.0.e.2.a.8.0.0.0.0.0.0.0.0.3.a.5.8.8.b.d.0.1.0.0.2.dyn.example",
       "2001:db8:85a3::8a2e:370:7334", "ipv6-reversed-nibbles",
       "4.3.3.7.0.7.3.0.e.2.a.8.0.0.0.0.0.0.0.0.3.a.5.8.8.b.d.0.1.0.0.2"},
      {"2001-db8-85a3-0-0-8a2e-370-7334.dyn.example", "2001:db8:85a3::8a2e:370:7334", "ipv6-groups",
       "2001-db8-85a3-0-0-8a2e-370-7334"},
      {"2001-0db8-0000-0000-0000-0000-0000-0001.static.example", "2001:db8::1", "ipv6-groups"},
      {"host-2001-db8--1.static.example", "2001:db8::1", "ipv6-groups", "2001-db8--1"},
      {"eaaq3oefumaaaaaarixag4dtgq.ipv6.example", "2001:db8:85a3::8a2e:370:7334", "base32"},
      {"u-aaaiulqdobzti.ipv6.example", "2001:db8:85a3::8a2e:370:7334", "base32"},
      {"2001-db8--2.static.example", "2001:db8::1", ""},
      {"mail.example", "2001:db8::1", ""},
  });
}

}  // namespace
}  // namespace ptrscan::rdns
