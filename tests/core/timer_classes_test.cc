// timer_classes: durations rounded up to a quarter octave, each step a FIFO,
// and a short timer armed after a long one still expires first.
#include "core/timer_classes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace ptrscan {
namespace {

TEST(TimerClassesTest, DurationsRoundUpByLessThanAQuarterOctave) {
  for (int64_t d = 1; d < int64_t{1} << 36; d = d * 9 / 8 + 1) {
    const int64_t rounded = timer_classes::duration_of(timer_classes::class_of(d));
    EXPECT_GE(rounded, d) << d;
    if (d >= 4096) {
      EXPECT_LE(double(rounded), 1.25 * double(d) + 1024) << d;
    }
  }
  // Steps are increasing: a longer duration never gets a shorter step.
  for (unsigned c = 1; c < 120; ++c) {
    EXPECT_LT(timer_classes::duration_of(c - 1), timer_classes::duration_of(c)) << c;
  }
}

TEST(TimerClassesTest, AShortTimerArmedAfterALongOneExpiresFirst) {
  timer_classes t;
  const int64_t long_deadline = t.arm(0, 2'000'000'000, 1, 0);
  const int64_t short_deadline = t.arm(1'000, 10'000'000, 2, 0);
  EXPECT_LT(short_deadline, long_deadline);
  EXPECT_EQ(t.next_deadline(), short_deadline);
  std::vector<uint32_t> fired;
  t.expire(short_deadline, [&](const timer_classes::entry& e) { fired.push_back(e.index); });
  EXPECT_EQ(fired, std::vector<uint32_t>{2});
  EXPECT_EQ(t.next_deadline(), long_deadline);
  t.expire(long_deadline, [&](const timer_classes::entry& e) { fired.push_back(e.index); });
  EXPECT_EQ(fired, (std::vector<uint32_t>{2, 1}));
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.next_deadline(), INT64_MAX);
}

TEST(TimerClassesTest, ExpiryMayArmNewTimers) {
  timer_classes t;
  const int64_t first = t.arm(0, 5'000'000, 1, 7);
  int fired = 0;
  t.expire(first, [&](const timer_classes::entry& e) {
    ++fired;
    EXPECT_EQ(e.generation, 7u);
    t.arm(first, 5'000'000, 2, 8);  // same step as the one expiring
  });
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(t.empty());
  t.expire(20'000'000, [&](const timer_classes::entry& e) {
    EXPECT_EQ(e.index, 2u);
    ++fired;
  });
  EXPECT_EQ(fired, 2);
  EXPECT_TRUE(t.empty());
}

}  // namespace
}  // namespace ptrscan
