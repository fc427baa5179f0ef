// The keyed walk order: a bijection for every size, fixed by the seed, and
// spread out (consecutive steps do not stay in one /24).
#include "input/permutation.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace ptrscan {
namespace {

TEST(PermutationTest, IsABijectionForEverySize) {
  for (uint64_t n : {1ull, 2ull, 3ull, 4ull, 5ull, 7ull, 255ull, 256ull, 257ull, 1000ull, 4096ull,
                     65537ull}) {
    const index_permutation p(n, 42);
    std::vector<bool> seen(n, false);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t v = p.at(i);
      ASSERT_LT(v, n) << "n=" << n;
      ASSERT_FALSE(seen[v]) << "n=" << n << " repeats " << v;
      seen[v] = true;
    }
  }
}

TEST(PermutationTest, TheSeedFixesTheOrder) {
  const index_permutation a(100000, 7);
  const index_permutation b(100000, 7);
  const index_permutation c(100000, 8);
  int differ = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(a.at(i), b.at(i));
    differ += a.at(i) != c.at(i);
  }
  EXPECT_GT(differ, 990);
}

TEST(PermutationTest, ConsecutiveStepsLeaveTheSlash24) {
  // Over a /16, a sequential walk would stay 256 steps in each /24. The
  // permuted one should almost never hit the same /24 twice in a row.
  const index_permutation p(65536, 1);
  int same = 0;
  for (uint64_t i = 1; i < 65536; ++i) {
    same += (p.at(i) >> 8) == (p.at(i - 1) >> 8);
  }
  EXPECT_LT(same, 1000);  // random chance: 1/256 of 65535 steps ≈ 256
}

TEST(PermutationTest, HandlesTheWholeIpv4Space) {
  const index_permutation p(uint64_t{1} << 32, 3);
  std::set<uint64_t> first;
  for (uint64_t i = 0; i < 10000; ++i) {
    const uint64_t v = p.at(i);
    ASSERT_LT(v, uint64_t{1} << 32);
    ASSERT_TRUE(first.insert(v).second);
  }
}

}  // namespace
}  // namespace ptrscan
