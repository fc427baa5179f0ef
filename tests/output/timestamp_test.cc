#include "output/timestamp.h"

#include <gtest/gtest.h>

#include <string>

namespace ptrscan {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t sec = 1'000'000'000;
// 2026-12-07T12:19:24Z
constexpr int64_t t0 = int64_t{1796645964} * sec;

TEST(Rfc3339Ms, FormatsUtcWithMilliseconds) {
  rfc3339_ms f;
  EXPECT_EQ(f.format(t0), "2026-12-07T12:19:24.000Z");
  EXPECT_EQ(f.format(t0 + 123 * ms + 999'999), "2026-12-07T12:19:24.123Z");
  EXPECT_EQ(f.format(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(f.format(int64_t{951782400} * sec + 5 * ms), "2000-02-29T00:00:00.005Z");
}

// The cache: the same millisecond, a new millisecond of the same second, a
// new second, and a step back in time must each give the right text.
TEST(Rfc3339Ms, CacheFollowsEveryStep) {
  rfc3339_ms f;
  EXPECT_EQ(f.format(t0 + 999 * ms), "2026-12-07T12:19:24.999Z");
  EXPECT_EQ(f.format(t0 + 999 * ms + 1), "2026-12-07T12:19:24.999Z");
  EXPECT_EQ(f.format(t0 + 1000 * ms), "2026-12-07T12:19:25.000Z");
  EXPECT_EQ(f.format(t0 + 1010 * ms), "2026-12-07T12:19:25.010Z");
  EXPECT_EQ(f.format(t0 + 36 * 3600 * sec), "2026-12-09T00:19:24.000Z");
  EXPECT_EQ(f.format(t0 + 7 * ms), "2026-12-07T12:19:24.007Z");
  EXPECT_EQ(f.format(t0 - 1), "2026-12-07T12:19:23.999Z");
}

TEST(Rfc3339Ms, BeforeTheEpochFloors) {
  rfc3339_ms f;
  EXPECT_EQ(f.format(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(f.format(-1000 * ms), "1969-12-31T23:59:59.000Z");
}

TEST(Rfc3339Ms, MatchesStrftimeAcrossAYear) {
  rfc3339_ms f;
  for (int64_t t = t0; t < t0 + int64_t{366} * 86400 * sec; t += 7777 * sec + 321 * ms) {
    const std::time_t s = static_cast<std::time_t>(t / sec);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char want[40];
    std::snprintf(want, sizeof want, "%s.%03dZ", buf, int((t / ms) % 1000));
    ASSERT_EQ(f.format(t), want);
  }
}

}  // namespace
}  // namespace ptrscan
