// --blocklist / --allowlist sets: zmap's file format, merging, lookups.
#include "input/prefix_set.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

ip_address ip(const char* text) { return *ip_address::parse(text); }

cidr_block block(const char* text) {
  return std::get<target_spec>(parse_target_line(text)).block;
}

TEST(PrefixSetTest, ParsesZmapsFormatAndMerges) {
  absl::StatusOr<prefix_set> s = prefix_set::parse(
      "# comment\n"
      "10.0.0.0/8\n"
      "  192.0.2.0/25   # trailing comment\n"
      "192.0.2.128/25\n"  // adjacent to the previous: merges
      "198.51.100.7\n"
      "\n"
      "10.1.0.0/16\n"  // inside 10/8: merges
      "2001:db8::/32\r\n",  // CRLF files too
      "list");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ranges(), 4u);
  struct row {
    const char* ip;
    bool in;
  };
  for (const row& r : std::vector<row>{{"10.255.255.255", true},
                                       {"11.0.0.0", false},
                                       {"9.255.255.255", false},
                                       {"192.0.2.0", true},
                                       {"192.0.2.200", true},
                                       {"192.0.3.0", false},
                                       {"198.51.100.7", true},
                                       {"198.51.100.8", false},
                                       {"2001:db8:ffff::1", true},
                                       {"2001:db9::", false},
                                       {"::1", false}}) {
    EXPECT_EQ(s->contains(ip(r.ip)), r.in) << r.ip;
  }
}

TEST(PrefixSetTest, CoversAndIntersectsBlocks) {
  absl::StatusOr<prefix_set> s = prefix_set::parse("10.0.0.0/8\n192.0.2.64/26\n", "list");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->covers(block("10.1.2.0/24")));
  EXPECT_TRUE(s->covers(block("10.0.0.0/8")));
  EXPECT_FALSE(s->covers(block("10.0.0.0/7")));
  EXPECT_TRUE(s->intersects(block("10.0.0.0/7")));
  EXPECT_FALSE(s->covers(block("192.0.2.0/24")));
  EXPECT_TRUE(s->intersects(block("192.0.2.0/24")));
  EXPECT_FALSE(s->intersects(block("192.0.2.0/26")));
  EXPECT_FALSE(s->intersects(block("192.0.2.128/25")));
  EXPECT_TRUE(s->intersects(block("0.0.0.0/0")));
}

TEST(PrefixSetTest, EdgesOfTheAddressSpace) {
  absl::StatusOr<prefix_set> s =
      prefix_set::parse("0.0.0.0/0\n255.255.255.255\n::/0\n", "list");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->ranges(), 2u);
  EXPECT_TRUE(s->contains(ip("0.0.0.0")));
  EXPECT_TRUE(s->contains(ip("255.255.255.255")));
  EXPECT_TRUE(s->contains(ip("ffff::1")));
}

TEST(PrefixSetTest, BadLinesNameTheFileAndLine) {
  struct row {
    const char* text;
    const char* message;
  };
  for (const row& r : std::vector<row>{{"10.0.0.0/8\nexample.com\n", "blocks.txt:2: not an IP"},
                                       {"10.0.0.0/33\n", "blocks.txt:1: prefix length over 32"},
                                       {"\n\n2001:db8::/129\n", "blocks.txt:3: prefix length over 128"},
                                       {"10.0.0.0/x\n", "blocks.txt:1: prefix length must be"}}) {
    absl::StatusOr<prefix_set> s = prefix_set::parse(r.text, "blocks.txt");
    ASSERT_FALSE(s.ok()) << r.text;
    EXPECT_NE(std::string(s.status().message()).find(r.message), std::string::npos)
        << s.status();
  }
  EXPECT_FALSE(prefix_set::load("/nonexistent/list").ok());
}

TEST(PrefixSetTest, ScatteredEntriesCostEightBytesEach) {
  prefix_set s;
  for (uint32_t i = 0; i < 100000; ++i) {
    s.add(ip_address::v4(0x0a000000u + i * 2), 32);  // never adjacent
  }
  s.finish();
  EXPECT_EQ(s.ranges(), 100000u);
  EXPECT_EQ(s.memory_bytes(), 100000u * 8);
}

}  // namespace
}  // namespace ptrscan
