// CIDR targets laid end to end as one index space.
#include "input/target_space.h"

#include <gtest/gtest.h>

namespace ptrscan {
namespace {

cidr_block block(const char* text) {
  return std::get<target_spec>(parse_target_line(text)).block;
}

TEST(TargetSpaceTest, IndexesRunThroughTheBlocksInInputOrder) {
  target_space s;
  s.add(block("192.0.2.0/30"));
  s.add(block("198.51.100.9/32"));
  s.add(block("2001:db8::/126"));
  ASSERT_EQ(s.size(), 9u);
  const char* want[] = {"192.0.2.0",    "192.0.2.1",    "192.0.2.2",
                        "192.0.2.3",    "198.51.100.9", "2001:db8::",
                        "2001:db8::1",  "2001:db8::2",  "2001:db8::3"};
  for (uint64_t i = 0; i < 9; ++i) {
    EXPECT_EQ(s.at(i).to_string(), want[i]) << i;
  }
}

TEST(TargetSpaceTest, ShardSharesAddUpToTheWhole) {
  for (uint64_t n : {0ull, 1ull, 2ull, 9ull, 10ull, 65536ull}) {
    for (uint32_t count : {1u, 2u, 3u, 7u}) {
      uint64_t sum = 0;
      for (uint32_t i = 0; i < count; ++i) {
        sum += shard_share(n, i, count);
      }
      EXPECT_EQ(sum, n) << n << " over " << count;
    }
  }
}

}  // namespace
}  // namespace ptrscan
