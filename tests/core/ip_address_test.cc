#include "net/ip_address.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace ptrscan {
namespace {

struct round_trip_case {
  std::string_view input;
  std::string_view canonical;  // RFC 5952 for IPv6
};

class IpAddressRoundTripTest : public ::testing::TestWithParam<round_trip_case> {};

TEST_P(IpAddressRoundTripTest, ParsesAndFormatsCanonically) {
  const round_trip_case& c = GetParam();
  std::optional<ip_address> a = ip_address::parse(c.input);
  ASSERT_TRUE(a.has_value()) << c.input;
  EXPECT_EQ(a->to_string(), c.canonical);

  char buf[ip_address::max_text_len];
  size_t n = a->format(buf);
  EXPECT_EQ(std::string_view(buf, n), c.canonical);

  // The canonical text parses back to the same address.
  std::optional<ip_address> again = ip_address::parse(c.canonical);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *a);
}

INSTANTIATE_TEST_SUITE_P(
    IpAddressTest, IpAddressRoundTripTest,
    ::testing::Values(
        round_trip_case{"1.2.3.4", "1.2.3.4"}, round_trip_case{"0.0.0.0", "0.0.0.0"},
        round_trip_case{"255.255.255.255", "255.255.255.255"},
        round_trip_case{"198.18.0.7", "198.18.0.7"},
        // RFC 5952 4.1: no leading zeros; 4.3: lower case.
        round_trip_case{"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        round_trip_case{"2001:DB8::ABCD", "2001:db8::abcd"},
        // 4.2.1: "::" takes the longest run...
        round_trip_case{"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},
        round_trip_case{"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
        // 4.2.2: ...never a single zero group...
        round_trip_case{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        round_trip_case{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        round_trip_case{"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
        // 4.2.3: ...and the first of equal runs.
        round_trip_case{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        round_trip_case{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
        round_trip_case{"::", "::"}, round_trip_case{"::1", "::1"},
        round_trip_case{"1::", "1::"}, round_trip_case{"fe80::", "fe80::"},
        round_trip_case{"0:0:0:0:0:1:0:0", "::1:0:0"},
        round_trip_case{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        // Section 5: IPv4-mapped addresses keep the dotted tail...
        round_trip_case{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
        round_trip_case{"::FFFF:102:304", "::ffff:1.2.3.4"},
        round_trip_case{"::ffff:0:0", "::ffff:0.0.0.0"},
        round_trip_case{"::ffff:255.255.255.255", "::ffff:255.255.255.255"},
        // ...other addresses do not, even ones glibc's inet_ntop would print
        // as the deprecated IPv4-compatible form.
        round_trip_case{"::1.2.3.4", "::102:304"}, round_trip_case{"::2:0", "::2:0"},
        round_trip_case{"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        round_trip_case{"1:0:0:0:0:0:0:0", "1::"}));

class IpAddressParseErrorTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(IpAddressParseErrorTest, Rejects) {
  EXPECT_FALSE(ip_address::parse(GetParam()).has_value())
      << "'" << GetParam() << "' (" << GetParam().size() << " bytes)";
}

using namespace std::string_view_literals;

INSTANTIATE_TEST_SUITE_P(
    IpAddressTest, IpAddressParseErrorTest,
    ::testing::Values(""sv, "1.2.3"sv, "1.2.3.4."sv, "1.2.3.4.5"sv, "256.1.1.1"sv,
                      "01.2.3.4"sv,  // leading zero: octal to inet_aton, refused
                      "0x1.2.3.4"sv, " 1.2.3.4"sv, "1.2.3.4 "sv, "1.2.3.-4"sv, "example.com"sv,
                      "::1%eth0"sv, "[::1]"sv, ":::"sv, "2001:db8::1::2"sv, "12345::"sv,
                      "1:2:3:4:5:6:7:8:9"sv, "::ffff:1.2.3"sv, "g::1"sv,
                      // An embedded NUL must not end the text early.
                      "::1\0junk"sv, "1.2.3.4\0"sv,
                      "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000"sv));

TEST(IpAddressTest, V4ValueAndConstructor) {
  std::optional<ip_address> a = ip_address::parse("10.20.30.40");
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->byte_len(), 4u);
  EXPECT_EQ(a->v4_value(), 0x0a141e28u);
  EXPECT_EQ(*a, ip_address::v4(0x0a141e28u));
  EXPECT_EQ(ip_address::v4(0xffffffffu).to_string(), "255.255.255.255");
  // The unused bytes of an IPv4 address stay zero, so equality is by value.
  for (size_t i = 4; i < 16; ++i) {
    EXPECT_EQ(a->bytes[i], 0) << i;
  }
}

TEST(IpAddressTest, V6Constructor) {
  std::array<uint8_t, 16> b{0x20, 0x01, 0x0d, 0xb8};
  b[15] = 0x01;
  ip_address a = ip_address::v6(b);
  EXPECT_FALSE(a.is_v4());
  EXPECT_EQ(a.byte_len(), 16u);
  EXPECT_EQ(a.to_string(), "2001:db8::1");
  EXPECT_EQ(ip_address::parse("2001:db8::1"), a);
}

TEST(IpAddressTest, FamiliesNeverCompareEqual) {
  // 0.0.0.0 and :: have identical bytes; the family tells them apart.
  std::optional<ip_address> v4 = ip_address::parse("0.0.0.0");
  std::optional<ip_address> v6 = ip_address::parse("::");
  ASSERT_TRUE(v4.has_value() && v6.has_value());
  EXPECT_NE(*v4, *v6);
  EXPECT_LT(*v4, *v6);
  EXPECT_LT(*ip_address::parse("1.2.3.4"), *ip_address::parse("1.2.3.5"));
}

struct reverse_case {
  std::string_view input;
  std::string_view reverse;
};

class IpAddressReverseNameTest : public ::testing::TestWithParam<reverse_case> {};

TEST_P(IpAddressReverseNameTest, WritesReverseName) {
  const reverse_case& c = GetParam();
  std::optional<ip_address> a = ip_address::parse(c.input);
  ASSERT_TRUE(a.has_value()) << c.input;
  EXPECT_EQ(a->reverse_name(), c.reverse);
  char buf[ip_address::max_reverse_len];
  size_t n = a->reverse_name(buf);
  ASSERT_LE(n, ip_address::max_reverse_len);
  EXPECT_EQ(std::string_view(buf, n), c.reverse);
}

// Expected names are written out by hand: least significant octet or nibble first.
INSTANTIATE_TEST_SUITE_P(
    IpAddressTest, IpAddressReverseNameTest,
    ::testing::Values(
        reverse_case{"198.18.0.7", "7.0.18.198.in-addr.arpa"},
        reverse_case{"0.0.0.0", "0.0.0.0.in-addr.arpa"},
        reverse_case{"255.10.0.100", "100.0.10.255.in-addr.arpa"},
        reverse_case{"1.22.133.9", "9.133.22.1.in-addr.arpa"},
        reverse_case{"255.255.255.255", "255.255.255.255.in-addr.arpa"},
        // 2001:0db8:0000:0000:0000:0000:0000:0001
        reverse_case{"2001:db8::1",
                     "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
        // Every nibble distinct: the low nibble of each byte comes first.
        reverse_case{"fedc:ba98:7654:3210:0123:4567:89ab:cdef",
                     "f.e.d.c.b.a.9.8.7.6.5.4.3.2.1.0.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.ip6.arpa"},
        reverse_case{"::", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
        reverse_case{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                     "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.ip6.arpa"}));

}  // namespace
}  // namespace ptrscan
