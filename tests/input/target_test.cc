#include "input/target.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ptrscan {
namespace {

using namespace std::string_view_literals;

// One string per outcome keeps the table readable: "empty", "address:1.2.3.4",
// "block:10.0.0.0/8", "domain:example.com" or "error:<message>".
std::string describe(const parsed_line& p) {
  if (std::holds_alternative<std::monostate>(p)) {
    return "empty";
  }
  if (const auto* e = std::get_if<target_error>(&p)) {
    return "error:" + e->message;
  }
  const auto& t = std::get<target_spec>(p);
  switch (t.kind) {
    case target_spec::kind_t::address:
      return "address:" + t.address.to_string();
    case target_spec::kind_t::block:
      return "block:" + t.block.base.to_string() + "/" + std::to_string(t.block.prefix);
    case target_spec::kind_t::domain:
      return "domain:" + t.domain;
    case target_spec::kind_t::sender:
      return "sender:" + t.address.to_string() + "," + t.domain +
             (t.has_helo ? "," + t.helo : std::string()) + (t.helo_cut ? " (cut)" : "");
  }
  return "?";
}

struct line_case {
  std::string_view input;
  // Exact outcome; for errors, a substring of the message.
  std::string_view expected;
};

void PrintTo(const line_case& c, std::ostream* os) { *os << "'" << c.input << "'"; }

class TargetLineTest : public ::testing::TestWithParam<line_case> {};

TEST_P(TargetLineTest, Parses) {
  const line_case& c = GetParam();
  std::string got = describe(parse_target_line(c.input));
  if (c.expected.substr(0, 6) == "error:") {
    EXPECT_EQ(got.substr(0, 6), "error:") << "got " << got;
    EXPECT_NE(got.find(c.expected.substr(6)), std::string::npos) << "got " << got;
  } else {
    EXPECT_EQ(got, c.expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, TargetLineTest,
    ::testing::Values(
        line_case{"1.2.3.4", "address:1.2.3.4"},
        line_case{"  1.2.3.4  ", "address:1.2.3.4"},
        line_case{"\t1.2.3.4\t", "address:1.2.3.4"},
        line_case{"1.2.3.4\r", "address:1.2.3.4"},    // CRLF with the LF already gone
        line_case{"1.2.3.4\r\n", "address:1.2.3.4"},  // and with it
        line_case{"0.0.0.0", "address:0.0.0.0"},
        line_case{"255.255.255.255", "address:255.255.255.255"},
        line_case{"2001:DB8::1", "address:2001:db8::1"},
        line_case{"2001:db8:0:0:0:0:0:1", "address:2001:db8::1"},
        line_case{"::1", "address:::1"},
        line_case{"::ffff:192.0.2.1", "address:::ffff:192.0.2.1"}));

INSTANTIATE_TEST_SUITE_P(
    BadAddresses, TargetLineTest,
    ::testing::Values(
        // Digits and dots are meant as an address: never tried as a domain.
        line_case{"1.2.3", "error:not a valid IPv4 address"},
        line_case{"999.1.1.1", "error:not a valid IPv4 address"},
        line_case{"1.2.3.4.5", "error:not a valid IPv4 address"},
        line_case{"1.2.3.4.", "error:not a valid IPv4 address"},
        line_case{"01.2.3.4", "error:not a valid IPv4 address"},
        line_case{"12345", "error:not a valid IPv4 address"},
        line_case{"...", "error:not a valid IPv4 address"},
        line_case{"1:2", "error:not a valid IPv6 address"},
        line_case{"2001:db8::1::2", "error:not a valid IPv6 address"},
        line_case{"fe80::1%eth0", "error:not a valid IPv6 address"},
        line_case{"[::1]", "error:not a valid IPv6 address"},
        line_case{"::1\0"sv, "error:not a valid IPv6 address"},
        line_case{"1.2.3.4\0"sv, "error:not a valid domain name"},
        // inet_aton spellings end in an all-numeric label, which no domain has.
        line_case{"0x7f.0.0.1", "error:all-numeric"},
        line_case{"example.123", "error:all-numeric"}));

INSTANTIATE_TEST_SUITE_P(
    Blocks, TargetLineTest,
    ::testing::Values(
        line_case{"10.0.0.0/8", "block:10.0.0.0/8"},
        line_case{"10.1.2.3/8", "block:10.0.0.0/8"},  // host bits masked, as zmap does
        line_case{"192.0.2.77/24", "block:192.0.2.0/24"},
        line_case{"100.127.1.1/10", "block:100.64.0.0/10"},
        line_case{"1.2.3.255/31", "block:1.2.3.254/31"},
        line_case{"1.2.3.4/32", "block:1.2.3.4/32"},
        line_case{"1.2.3.4/0", "block:0.0.0.0/0"},
        line_case{"255.255.255.255/1", "block:128.0.0.0/1"},
        line_case{" 198.18.0.0/15 # bench\r", "block:198.18.0.0/15"},
        line_case{"2001:db8::1234:5678/96", "block:2001:db8::/96"},
        line_case{"2001:DB8::ffff:ffff/112", "block:2001:db8::ffff:0/112"},
        line_case{"2001:db8::1/128", "block:2001:db8::1/128"},
        line_case{"2001:db8::ff/121", "block:2001:db8::80/121"}));

INSTANTIATE_TEST_SUITE_P(
    BadBlocks, TargetLineTest,
    ::testing::Values(
        line_case{"1.2.3.4/33", "error:out of range"},
        line_case{"1.2.3.4/100", "error:out of range"},
        line_case{"1.2.3.4/", "error:prefix length must be a number"},
        line_case{"1.2.3.4/-1", "error:prefix length must be a number"},
        line_case{"1.2.3.4/+8", "error:prefix length must be a number"},
        line_case{"1.2.3.4/1000", "error:out of range"},
        line_case{"1.2.3.4/99999999999999999999", "error:out of range"},
        line_case{"1.2.3.4/8/8", "error:prefix length must be a number"},
        line_case{"1.2.3.4/8x", "error:prefix length must be a number"},
        line_case{"/8", "error:bad address part"},
        line_case{"1.2.3/8", "error:bad address part"},
        line_case{"example.com/24", "error:bad address part"},
        line_case{"2001:db8::/129", "error:out of range"},
        // More than 32 host bits could never be scanned to the end.
        line_case{"2001:db8::/95", "error:at most 32 host bits"},
        line_case{"2001:db8::/64", "error:at most 32 host bits"},
        line_case{"::/0", "error:at most 32 host bits"}));

INSTANTIATE_TEST_SUITE_P(
    Domains, TargetLineTest,
    ::testing::Values(
        line_case{"example.com", "domain:example.com"},
        line_case{"Mail.EXAMPLE.Org", "domain:mail.example.org"},
        line_case{"example.com.", "domain:example.com"},
        line_case{"  example.com.  # trailing comment", "domain:example.com"},
        line_case{"example.com\r\n", "domain:example.com"},
        line_case{"localhost", "domain:localhost"},  // single label: a search-domain host
        line_case{"_dmarc.example.com", "domain:_dmarc.example.com"},
        line_case{"xn--bcher-kva.example", "domain:xn--bcher-kva.example"},
        line_case{"a-b.c--d.example", "domain:a-b.c--d.example"},
        line_case{"123.example.com", "domain:123.example.com"},
        line_case{"in-addr.arpa.example", "domain:in-addr.arpa.example"},
        line_case{"xin-addr.arpa", "domain:xin-addr.arpa"},
        line_case{"myip6.arpa", "domain:myip6.arpa"},
        line_case{"0x7f000001", "domain:0x7f000001"}));

INSTANTIATE_TEST_SUITE_P(
    BadDomains, TargetLineTest,
    ::testing::Values(
        line_case{"a..b", "error:empty label"},
        line_case{".example.com", "error:empty label"},
        line_case{"example.com..", "error:empty label"},
        line_case{".", "error:not a valid IPv4 address"},  // dots only: address-like
        line_case{"-a.com", "error:'-'"},
        line_case{"a-.com", "error:'-'"},
        line_case{"a.-com", "error:'-'"},
        line_case{"ex@mple.com", "error:unexpected '@'"},
        line_case{"example.com#frag", "error:unexpected '#'"},
        line_case{"b\xc3\xbc" "cher.example", "error:unexpected byte 0xc3"},
        line_case{"a\x1b[31m.com", "error:unexpected byte 0x1b"},
        line_case{"1.2.3.4,", "error:empty DOMAIN field"}));

// Issue 16 item 2: sender identities, IP,DOMAIN[,HELO] (zgrab2's CSV form).
// A HELO is kept as written whatever it holds: its syntax is a verdict of
// the sender probe, never a reason to reject the line.
INSTANTIATE_TEST_SUITE_P(
    Senders, TargetLineTest,
    ::testing::Values(
        line_case{"192.0.2.7,example.org", "sender:192.0.2.7,example.org"},
        line_case{"192.0.2.7,Example.ORG.,Mail.Example.org",
                  "sender:192.0.2.7,example.org,Mail.Example.org"},
        line_case{"  192.0.2.7 , example.org ,  mail.example.org  # comment",
                  "sender:192.0.2.7,example.org,mail.example.org"},
        line_case{"2001:db8::7,example.org,[IPv6:2001:db8::7]",
                  "sender:2001:db8::7,example.org,[IPv6:2001:db8::7]"},
        line_case{"192.0.2.7,example.org,", "sender:192.0.2.7,example.org"},
        line_case{"192.0.2.7,example.org,bad_helo name!",
                  "sender:192.0.2.7,example.org,bad_helo name!"},
        line_case{"192.0.2.7,example.org,mailserver", "sender:192.0.2.7,example.org,mailserver"},
        line_case{"192.0.2.7,example.org,helo#not-a-comment",
                  "sender:192.0.2.7,example.org,helo#not-a-comment"},
        line_case{"192.0.2.7,example.org,192.0.2.7",
                  "sender:192.0.2.7,example.org,192.0.2.7"},
        line_case{"7.2.0.192.in-addr.arpa,example.org", "sender:192.0.2.7,example.org"}));

INSTANTIATE_TEST_SUITE_P(
    BadSenders, TargetLineTest,
    ::testing::Values(
        line_case{"192.0.2.300,example.org", "error:the IP field is not a valid"},
        line_case{"mail.example.org,example.org", "error:the IP field is not a valid"},
        line_case{"192.0.2.0/24,example.org", "error:one address, not a block"},
        line_case{"2.0.192.in-addr.arpa,example.org", "error:the IP field is not a valid"},
        line_case{",example.org", "error:the IP field is not a valid"},
        line_case{"192.0.2.7,,mail.example.org", "error:empty DOMAIN field"},
        line_case{"192.0.2.7,exa mple.org", "error:DOMAIN: not a valid domain name"},
        line_case{"192.0.2.7,a..b", "error:DOMAIN: not a valid domain name: empty label"},
        line_case{"192.0.2.7,192.0.2.8", "error:the DOMAIN field is an address"},
        line_case{"192.0.2.7,example.org,mail.example.org,extra", "error:more than three fields"}));

TEST(TargetLineTest, SenderHeloLongerThanKeptIsCutAndMarked) {
  const std::string helo(300, 'h');
  const parsed_line p = parse_target_line("192.0.2.7,example.org," + helo);
  const auto* t = std::get_if<target_spec>(&p);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->kind, target_spec::kind_t::sender);
  EXPECT_TRUE(t->has_helo);
  EXPECT_TRUE(t->helo_cut);
  EXPECT_EQ(t->helo, helo.substr(0, max_sender_helo));
  const parsed_line whole = parse_target_line("192.0.2.7,example.org," + helo.substr(0, 255));
  EXPECT_FALSE(std::get<target_spec>(whole).helo_cut);
}

// Issue 16 item 7: a reverse name is the address it names, never a domain.
INSTANTIATE_TEST_SUITE_P(
    ReverseNames, TargetLineTest,
    ::testing::Values(
        line_case{"7.2.0.192.in-addr.arpa", "address:192.0.2.7"},
        line_case{"7.2.0.192.in-addr.arpa.", "address:192.0.2.7"},
        line_case{"7.2.0.192.IN-ADDR.ARPA", "address:192.0.2.7"},
        line_case{"1.2.3.4.in-addr.arpa", "address:4.3.2.1"},
        line_case{" 255.0.18.198.In-Addr.Arpa. # comment", "address:198.18.0.255"},
        line_case{"0.0.0.0.in-addr.arpa", "address:0.0.0.0"},
        line_case{"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                  "address:2001:db8::25"},
        line_case{"5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
                  "address:2001:db8::25"},
        line_case{"f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.ip6.arpa",
                  "address:123:4567:89ab:cdef:123:4567:89ab:cdef"},
        // A partial name is the block its reverse zone covers.
        line_case{"2.0.192.in-addr.arpa", "block:192.0.2.0/24"},
        line_case{"2.0.192.in-addr.arpa.", "block:192.0.2.0/24"},
        line_case{"18.198.in-addr.arpa", "block:198.18.0.0/16"},
        line_case{"10.in-addr.arpa", "block:10.0.0.0/8"},
        line_case{"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                  "address:2001:db8::"},
        line_case{"2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                  "block:2001:db8::20/124"},
        line_case{"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                  "block:2001:db8::/96"}));

INSTANTIATE_TEST_SUITE_P(
    BadReverseNames, TargetLineTest,
    ::testing::Values(
        line_case{"in-addr.arpa", "error:in-addr.arpa itself names no address"},
        line_case{"IP6.ARPA.", "error:ip6.arpa itself names no address"},
        line_case{"1.7.2.0.192.in-addr.arpa", "error:5 labels before in-addr.arpa"},
        line_case{"256.2.0.192.in-addr.arpa", "error:label '256' is not a decimal octet"},
        line_case{"07.2.0.192.in-addr.arpa", "error:label '07' is not a decimal octet"},
        line_case{"0-25.2.0.192.in-addr.arpa", "error:RFC 2317"},
        line_case{"mail.2.0.192.in-addr.arpa", "error:label 'mail'"},
        line_case{"7..0.192.in-addr.arpa", "error:label '' is not a decimal octet"},
        line_case{".in-addr.arpa", "error:label ''"},
        line_case{"g.ip6.arpa", "error:label 'g' is not one hex nibble"},
        line_case{"10.8.b.d.0.1.0.0.2.ip6.arpa", "error:label '10'"},
        // 8 nibbles: a /32, far beyond what a scan can finish.
        line_case{"8.b.d.0.1.0.0.2.ip6.arpa", "error:8 nibbles name a /32 block"},
        line_case{"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                  "error:give 24 nibbles or more"},
        line_case{"0.5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                  "error:33 labels before ip6.arpa"}));

INSTANTIATE_TEST_SUITE_P(
    BlankAndComments, TargetLineTest,
    ::testing::Values(
        line_case{"", "empty"}, line_case{"   ", "empty"}, line_case{"\t \t", "empty"},
        line_case{"\r", "empty"}, line_case{"\r\n", "empty"}, line_case{"#", "empty"},
        line_case{"# 1.2.3.4", "empty"}, line_case{"   # indented comment", "empty"},
        line_case{"#1.2.3.4 5.6.7.8", "empty"},
        line_case{"1.2.3.4 # comment", "address:1.2.3.4"},
        line_case{"1.2.3.4\t#comment", "address:1.2.3.4"},
        line_case{"1.2.3.4 #", "address:1.2.3.4"}));

INSTANTIATE_TEST_SUITE_P(
    SeveralTokens, TargetLineTest,
    ::testing::Values(
        line_case{"1.2.3.4 5.6.7.8", "error:expected one target per line"},
        line_case{"1.2.3.4\t5.6.7.8", "error:expected one target per line"},
        line_case{"exa mple.com", "error:expected one target per line"},
        line_case{"10.0.0.0 /8", "error:expected one target per line"},
        line_case{"1.2.3.4 x # comment", "error:expected one target per line"}));

TEST(TargetLineTest, DomainLengthLimits) {
  const std::string label63(63, 'a');
  EXPECT_EQ(describe(parse_target_line(label63 + ".com")), "domain:" + label63 + ".com");
  EXPECT_NE(describe(parse_target_line(std::string(64, 'a') + ".com")).find("error:"),
            std::string::npos);

  // 4 x 63 + 3 dots = 255; trim to exactly 253 and 254 octets.
  std::string name = label63 + "." + label63 + "." + label63 + "." + label63;
  std::string n253 = name.substr(0, 253);
  std::string n254 = name.substr(0, 254);
  ASSERT_NE(n253.back(), '.');
  ASSERT_NE(n254.back(), '.');
  EXPECT_EQ(describe(parse_target_line(n253)), "domain:" + n253);
  EXPECT_EQ(describe(parse_target_line(n253 + ".")), "domain:" + n253);  // the root dot is free
  std::string err = describe(parse_target_line(n254));
  EXPECT_EQ(err.rfind("error:", 0), 0u) << err;
  EXPECT_NE(err.find("254 octets"), std::string::npos) << err;
}

// ---- cidr_block ----

ip_address addr(std::string_view text) {
  std::optional<ip_address> a = ip_address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(ip_address{});
}

cidr_block block(std::string_view base, uint8_t prefix) { return cidr_block{addr(base), prefix}; }

TEST(CidrBlockTest, Ipv4Sizes) {
  EXPECT_EQ(block("0.0.0.0", 0).size(), uint64_t{1} << 32);
  EXPECT_EQ(block("128.0.0.0", 1).size(), uint64_t{1} << 31);
  EXPECT_EQ(block("10.0.0.0", 8).size(), 16777216u);
  EXPECT_EQ(block("192.0.2.0", 24).size(), 256u);
  EXPECT_EQ(block("192.0.2.0", 31).size(), 2u);
  EXPECT_EQ(block("192.0.2.7", 32).size(), 1u);
}

TEST(CidrBlockTest, Ipv6SizesAreCapped) {
  EXPECT_EQ(block("2001:db8::1", 128).size(), 1u);
  EXPECT_EQ(block("2001:db8::", 120).size(), 256u);
  EXPECT_EQ(block("2001:db8::", 96).size(), uint64_t{1} << 32);
  // A wider block built by hand (the parser refuses one) is capped, not overflowed.
  EXPECT_EQ(block("2001:db8::", 64).size(), uint64_t{1} << cidr_block::max_v6_host_bits);
  EXPECT_EQ(block("::", 0).size(), uint64_t{1} << cidr_block::max_v6_host_bits);
}

TEST(CidrBlockTest, Ipv4At) {
  cidr_block all = block("0.0.0.0", 0);
  EXPECT_EQ(all.at(0), addr("0.0.0.0"));
  EXPECT_EQ(all.at(0x01020304u), addr("1.2.3.4"));
  EXPECT_EQ(all.at((uint64_t{1} << 32) - 1), addr("255.255.255.255"));

  cidr_block b = block("192.0.2.0", 24);
  EXPECT_EQ(b.at(0), addr("192.0.2.0"));
  EXPECT_EQ(b.at(77), addr("192.0.2.77"));
  EXPECT_EQ(b.at(255), addr("192.0.2.255"));

  cidr_block shared = block("100.64.0.0", 10);
  EXPECT_EQ(shared.at(shared.size() - 1), addr("100.127.255.255"));
  EXPECT_EQ(shared.at(256), addr("100.64.1.0"));

  EXPECT_EQ(block("192.0.2.7", 32).at(0), addr("192.0.2.7"));
}

TEST(CidrBlockTest, Ipv6At) {
  cidr_block b = block("2001:db8::", 96);
  EXPECT_EQ(b.at(0), addr("2001:db8::"));
  EXPECT_EQ(b.at(1), addr("2001:db8::1"));
  EXPECT_EQ(b.at(0xff), addr("2001:db8::ff"));
  EXPECT_EQ(b.at(0x100), addr("2001:db8::100"));  // carry into the next byte
  EXPECT_EQ(b.at(0x10000), addr("2001:db8::1:0"));
  EXPECT_EQ(b.at((uint64_t{1} << 32) - 1), addr("2001:db8::ffff:ffff"));
  EXPECT_FALSE(b.at(5).is_v4());

  cidr_block small = block("2001:db8::ab00", 120);
  EXPECT_EQ(small.at(0xcd), addr("2001:db8::abcd"));
  EXPECT_EQ(block("2001:db8::1", 128).at(0), addr("2001:db8::1"));
}

TEST(CidrBlockTest, ContainsIpv4) {
  cidr_block b = block("192.0.2.0", 24);
  EXPECT_TRUE(b.contains(addr("192.0.2.0")));
  EXPECT_TRUE(b.contains(addr("192.0.2.255")));
  EXPECT_FALSE(b.contains(addr("192.0.1.255")));
  EXPECT_FALSE(b.contains(addr("192.0.3.0")));

  cidr_block odd = block("100.64.0.0", 10);  // prefix not on a byte boundary
  EXPECT_TRUE(odd.contains(addr("100.64.0.0")));
  EXPECT_TRUE(odd.contains(addr("100.127.255.255")));
  EXPECT_FALSE(odd.contains(addr("100.63.255.255")));
  EXPECT_FALSE(odd.contains(addr("100.128.0.0")));

  cidr_block all = block("0.0.0.0", 0);
  EXPECT_TRUE(all.contains(addr("0.0.0.0")));
  EXPECT_TRUE(all.contains(addr("255.255.255.255")));
  EXPECT_FALSE(all.contains(addr("::")));  // never across families

  cidr_block one = block("192.0.2.7", 32);
  EXPECT_TRUE(one.contains(addr("192.0.2.7")));
  EXPECT_FALSE(one.contains(addr("192.0.2.6")));
  EXPECT_FALSE(one.contains(addr("192.0.2.8")));
}

TEST(CidrBlockTest, ContainsIpv6) {
  cidr_block b = block("2001:db8::", 96);
  EXPECT_TRUE(b.contains(addr("2001:db8::")));
  EXPECT_TRUE(b.contains(addr("2001:db8::ffff:ffff")));
  EXPECT_FALSE(b.contains(addr("2001:db8::1:0:0")));
  EXPECT_FALSE(b.contains(addr("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(b.contains(addr("0.0.0.0")));

  cidr_block odd = block("2001::", 23);
  EXPECT_TRUE(odd.contains(addr("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(odd.contains(addr("2001:200::")));
}

TEST(CidrBlockTest, EveryAddressOfAParsedBlockIsContained) {
  parsed_line p = parse_target_line("10.1.2.3/30");
  ASSERT_TRUE(std::holds_alternative<target_spec>(p));
  const cidr_block& b = std::get<target_spec>(p).block;
  ASSERT_EQ(b.size(), 4u);
  for (uint64_t i = 0; i < b.size(); ++i) {
    EXPECT_TRUE(b.contains(b.at(i))) << i;
  }
  EXPECT_EQ(b.at(0), addr("10.1.2.0"));
  EXPECT_EQ(b.at(3), addr("10.1.2.3"));
  EXPECT_FALSE(b.contains(addr("10.1.2.4")));
}

}  // namespace
}  // namespace ptrscan
