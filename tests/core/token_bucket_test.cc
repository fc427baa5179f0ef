// token_bucket (the --rate limiter) with an injected clock: the refill is
// exact (rate x elapsed time), the burst caps what idle time saves, a bucket
// starts empty, and an unlimited one never refuses.
#include "core/token_bucket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace ptrscan {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1'000 * ms;

/// Takes every token the bucket gives from `from` to `to` (exclusive), as
/// the engine does: take while it can, else sleep until the next token is
/// due. Returns how many.
uint64_t take_all(token_bucket& b, int64_t from, int64_t to) {
  uint64_t taken = 0;
  for (int64_t now = from; now < to;) {
    if (b.try_take(now)) {
      ++taken;
    } else {
      now += std::max<int64_t>(1, b.wait_ns());
    }
  }
  return taken;
}

TEST(TokenBucketTest, RefillsAtExactlyTheRate) {
  struct rate_case {
    double rate;   // tokens per second
    double burst;  // as the engine sets it: 1/100 s worth, at least 1
  };
  const std::vector<rate_case> cases = {
      {1, 1}, {3, 1}, {10, 1}, {100, 1}, {250, 2.5}, {1'500, 15}, {2'000, 20}, {100'000, 1'000},
  };
  for (const rate_case& c : cases) {
    SCOPED_TRACE("rate " + std::to_string(c.rate) + "/s");
    token_bucket b(c.rate, c.burst, 0);
    // 10 s: rate x 10 s tokens, give or take the last one being due.
    const uint64_t taken = take_all(b, 0, 10 * s);
    const double want = c.rate * 10;
    EXPECT_GE(double(taken), want - 1);
    EXPECT_LE(double(taken), want + 1);
    // And the next 10 s the same: the rate does not drift.
    const uint64_t more = take_all(b, 10 * s, 20 * s);
    EXPECT_GE(double(more), want - 1);
    EXPECT_LE(double(more), want + 1);
  }
}

TEST(TokenBucketTest, TheFirstTokenIsDueAfterOneOverTheRate) {
  // 100/s: one token per 10 ms, none at the start.
  token_bucket b(100, 1, 0);
  EXPECT_FALSE(b.try_take(0));
  EXPECT_EQ(b.wait_ns(), 10 * ms);
  EXPECT_FALSE(b.try_take(5 * ms));
  EXPECT_EQ(b.wait_ns(), 5 * ms);
  EXPECT_FALSE(b.try_take(10 * ms - 1'000));
  EXPECT_TRUE(b.try_take(10 * ms + 1'000));
  EXPECT_FALSE(b.try_take(10 * ms + 2'000));
  EXPECT_FALSE(b.try_take(19 * ms));
  EXPECT_TRUE(b.try_take(20 * ms + 1'000));
  // 1,000/s: a token each millisecond.
  token_bucket fast(1'000, 1, 0);
  EXPECT_EQ(fast.wait_ns(), 1 * ms);
  EXPECT_FALSE(fast.try_take(ms / 2));
  EXPECT_NEAR(fast.tokens(), 0.5, 1e-9);
  EXPECT_TRUE(fast.try_take(ms + 1'000));
}

TEST(TokenBucketTest, IdleTimeSavesNoMoreThanTheBurst) {
  token_bucket b(1'000, 10, 0);
  // An hour idle: 10 tokens at once, then one per millisecond again.
  EXPECT_EQ(take_all(b, 3'600 * s, 3'600 * s + 1), 10u);
  EXPECT_FALSE(b.try_take(3'600 * s + ms / 2));
  EXPECT_TRUE(b.try_take(3'600 * s + ms + 1'000));
  // A burst below one token is one token: the bucket must be able to give.
  token_bucket tiny(5, 0.05, 0);
  EXPECT_EQ(tiny.burst(), 1.0);
  EXPECT_EQ(take_all(tiny, 100 * s, 100 * s + 1), 1u);
}

TEST(TokenBucketTest, ClockGoingBackAddsNothing) {
  token_bucket b(100, 1, 50 * ms);
  EXPECT_FALSE(b.try_take(0));
  EXPECT_FALSE(b.try_take(55 * ms));
  EXPECT_TRUE(b.try_take(60 * ms + 1'000));
}

TEST(TokenBucketTest, UnlimitedNeverRefuses) {
  for (double rate : {0.0, -1.0}) {
    token_bucket b(rate, 1, 0);
    for (int i = 0; i < 1'000; ++i) {
      EXPECT_TRUE(b.try_take(0));
    }
    EXPECT_EQ(b.wait_ns(), 0);
  }
}

}  // namespace
}  // namespace ptrscan
