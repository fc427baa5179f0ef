#include "input/reserved.h"

#include <gtest/gtest.h>

#include <optional>
#include <string_view>

namespace ptrscan {
namespace {

struct reserved_case {
  std::string_view address;
  std::string_view name;  // empty: globally reachable, may be scanned
};

void PrintTo(const reserved_case& c, std::ostream* os) { *os << c.address; }

class ReservedTest : public ::testing::TestWithParam<reserved_case> {};

TEST_P(ReservedTest, Classifies) {
  const reserved_case& c = GetParam();
  std::optional<ip_address> a = ip_address::parse(c.address);
  ASSERT_TRUE(a.has_value()) << c.address;
  EXPECT_EQ(reserved_block_name(*a), c.name) << c.address;
}

// For each block: the address just below it, its first and last address, and
// the address just above it.
INSTANTIATE_TEST_SUITE_P(
    Ipv4, ReservedTest,
    ::testing::Values(
        reserved_case{"0.0.0.0", "this-network"},
        reserved_case{"0.255.255.255", "this-network"},
        reserved_case{"1.0.0.0", ""},

        reserved_case{"9.255.255.255", ""},
        reserved_case{"10.0.0.0", "private-use"},
        reserved_case{"10.255.255.255", "private-use"},
        reserved_case{"11.0.0.0", ""},

        reserved_case{"100.63.255.255", ""},
        reserved_case{"100.64.0.0", "shared-address-space"},
        reserved_case{"100.127.255.255", "shared-address-space"},
        reserved_case{"100.128.0.0", ""},

        reserved_case{"126.255.255.255", ""},
        reserved_case{"127.0.0.0", "loopback"},
        reserved_case{"127.0.0.1", "loopback"},
        reserved_case{"127.255.255.255", "loopback"},
        reserved_case{"128.0.0.0", ""},

        reserved_case{"169.253.255.255", ""},
        reserved_case{"169.254.0.0", "link-local"},
        reserved_case{"169.254.255.255", "link-local"},
        reserved_case{"169.255.0.0", ""},

        reserved_case{"172.15.255.255", ""},
        reserved_case{"172.16.0.0", "private-use"},
        reserved_case{"172.31.255.255", "private-use"},
        reserved_case{"172.32.0.0", ""},

        reserved_case{"191.255.255.255", ""},
        reserved_case{"192.0.0.0", "ietf-protocol-assignments"},
        reserved_case{"192.0.0.255", "ietf-protocol-assignments"},
        reserved_case{"192.0.1.0", ""},

        reserved_case{"192.0.1.255", ""},
        reserved_case{"192.0.2.0", "documentation"},
        reserved_case{"192.0.2.255", "documentation"},
        reserved_case{"192.0.3.0", ""},

        reserved_case{"192.88.98.255", ""},
        reserved_case{"192.88.99.0", "6to4-relay-anycast"},
        reserved_case{"192.88.99.255", "6to4-relay-anycast"},
        reserved_case{"192.88.100.0", ""},

        reserved_case{"192.167.255.255", ""},
        reserved_case{"192.168.0.0", "private-use"},
        reserved_case{"192.168.255.255", "private-use"},
        reserved_case{"192.169.0.0", ""},

        reserved_case{"198.17.255.255", ""},
        reserved_case{"198.18.0.0", "benchmarking"},
        reserved_case{"198.19.255.255", "benchmarking"},
        reserved_case{"198.20.0.0", ""},

        reserved_case{"198.51.99.255", ""},
        reserved_case{"198.51.100.0", "documentation"},
        reserved_case{"198.51.100.255", "documentation"},
        reserved_case{"198.51.101.0", ""},

        reserved_case{"203.0.112.255", ""},
        reserved_case{"203.0.113.0", "documentation"},
        reserved_case{"203.0.113.255", "documentation"},
        reserved_case{"203.0.114.0", ""},

        reserved_case{"223.255.255.255", ""},
        reserved_case{"224.0.0.0", "multicast"},
        reserved_case{"239.255.255.255", "multicast"},
        reserved_case{"240.0.0.0", "reserved"},
        reserved_case{"255.255.255.254", "reserved"},
        reserved_case{"255.255.255.255", "limited-broadcast"},

        // Globally reachable, some of them special-purpose but scannable.
        reserved_case{"8.8.8.8", ""},
        reserved_case{"192.31.196.1", ""},   // AS112-v4, RFC 7535
        reserved_case{"192.52.193.1", ""},   // AMT, RFC 7450
        reserved_case{"192.175.48.1", ""},   // AS112 direct delegation, RFC 7534
        reserved_case{"223.255.255.254", ""}));

INSTANTIATE_TEST_SUITE_P(
    Ipv6, ReservedTest,
    ::testing::Values(
        reserved_case{"::", "unspecified"},
        reserved_case{"::1", "loopback"},
        reserved_case{"::2", ""},

        reserved_case{"::fffe:ffff:ffff", ""},
        reserved_case{"::ffff:0.0.0.0", "ipv4-mapped"},
        reserved_case{"::ffff:8.8.8.8", "ipv4-mapped"},
        reserved_case{"::ffff:255.255.255.255", "ipv4-mapped"},
        reserved_case{"::1:0:0:0", ""},

        // The well-known NAT64 prefix is globally reachable (RFC 6052)...
        reserved_case{"64:ff9b::192.0.2.1", ""},
        reserved_case{"64:ff9b:0:ffff:ffff:ffff:ffff:ffff", ""},
        // ...the local-use one is not (RFC 8215).
        reserved_case{"64:ff9b:1::", "local-use-translation"},
        reserved_case{"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "local-use-translation"},
        reserved_case{"64:ff9b:2::", ""},

        reserved_case{"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"100::", "discard-only"},
        reserved_case{"100::ffff:ffff:ffff:ffff", "discard-only"},
        reserved_case{"100:0:0:1::", "dummy-prefix"},
        reserved_case{"100:0:0:1:ffff:ffff:ffff:ffff", "dummy-prefix"},
        reserved_case{"100:0:0:2::", ""},

        reserved_case{"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"2001::", "ietf-protocol-assignments"},
        reserved_case{"2001:1:ffff:ffff:ffff:ffff:ffff:ffff", "ietf-protocol-assignments"},
        reserved_case{"2001:2::", "benchmarking"},
        reserved_case{"2001:2:0:ffff:ffff:ffff:ffff:ffff", "benchmarking"},
        reserved_case{"2001:2:1::", "ietf-protocol-assignments"},
        reserved_case{"2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "ietf-protocol-assignments"},
        reserved_case{"2001:200::", ""},

        reserved_case{"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"2001:db8::", "documentation"},
        reserved_case{"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"},
        reserved_case{"2001:db9::", ""},

        reserved_case{"3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"3fff::", "documentation"},
        reserved_case{"3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", "documentation"},
        reserved_case{"3fff:1000::", ""},

        reserved_case{"5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"5f00::", "segment-routing-sids"},
        reserved_case{"5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "segment-routing-sids"},
        reserved_case{"5f01::", ""},

        reserved_case{"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"fc00::", "unique-local"},
        reserved_case{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique-local"},
        reserved_case{"fe00::", ""},

        reserved_case{"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"fe80::", "link-local"},
        reserved_case{"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local"},
        reserved_case{"fec0::", ""},

        reserved_case{"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
        reserved_case{"ff00::", "multicast"},
        reserved_case{"ff02::1", "multicast"},
        reserved_case{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast"},

        // Globally reachable.
        reserved_case{"2a00:1450:4001:80b::200e", ""},
        reserved_case{"2002:c000:204::1", ""},     // 6to4, RFC 3056
        reserved_case{"2620:4f:8000::1", ""}));  // AS112 direct delegation, RFC 7534

TEST(ReservedTest, FamilyMatters) {
  // 10.0.0.0 and 0a00:: share their first byte; only the IPv4 one is private.
  EXPECT_EQ(reserved_block_name(*ip_address::parse("10.0.0.0")), "private-use");
  EXPECT_EQ(reserved_block_name(*ip_address::parse("a00::")), "");
  // 127.0.0.1 and 7f00::1 likewise.
  EXPECT_EQ(reserved_block_name(*ip_address::parse("7f00::1")), "");
}

TEST(ReservedTest, NamesAreShortKebabCase) {
  for (std::string_view text : {"0.0.0.1", "10.1.1.1", "100.64.1.1", "127.0.0.1", "169.254.1.1",
                                "192.0.0.1", "192.88.99.1", "198.18.1.1", "224.0.0.1",
                                "255.255.255.255", "240.0.0.1", "::", "::1", "::ffff:1.1.1.1",
                                "64:ff9b:1::1", "100::1", "100:0:0:1::1", "2001:2::1", "2001::1",
                                "2001:db8::1", "3fff::1", "5f00::1", "fd00::1", "fe80::1",
                                "ff02::1"}) {
    std::string_view name = reserved_block_name(*ip_address::parse(text));
    ASSERT_FALSE(name.empty()) << text;
    EXPECT_LE(name.size(), 32u) << text;
    for (char c : name) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
          << text << " -> " << name;
    }
  }
}

}  // namespace
}  // namespace ptrscan

namespace ptrscan {
namespace {

cidr_block block_of(std::string_view text) {
  parsed_line p = parse_target_line(text);
  return std::get<target_spec>(p).block;
}

TEST(ReservedCoveringTest, WholeBlocksInsideOneRange) {
  struct row {
    std::string_view block;
    std::string_view want;
  };
  const row rows[] = {
      {"10.0.0.0/8", "private-use"},
      {"10.20.0.0/16", "private-use"},
      {"198.18.0.0/15", "benchmarking"},
      {"198.19.255.0/24", "benchmarking"},
      {"240.0.0.0/4", "reserved"},
      {"2001:db8::/96", "documentation"},
      // Partly reserved or not at all: decided address by address.
      {"198.16.0.0/13", ""},
      {"8.8.8.0/24", ""},
      {"0.0.0.0/0", ""},
      {"100.0.0.0/8", ""},
  };
  for (const row& r : rows) {
    SCOPED_TRACE(r.block);
    EXPECT_EQ(reserved_block_covering(block_of(r.block)), r.want);
  }
}

}  // namespace
}  // namespace ptrscan
