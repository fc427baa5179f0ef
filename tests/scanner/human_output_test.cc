// The progress and summary lines (scanner/human_output.cc): the elapsed time
// is given, never read from a clock, so every line is asserted exactly.
#include "human_output.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "probes/table.h"

namespace ptrscan {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(RateText, KeepsTheDigitsARateNeeds) {
  EXPECT_EQ(rate_text(0), "0");
  EXPECT_EQ(rate_text(3 / 10.02), "0.299");
  EXPECT_EQ(rate_text(0.3), "0.3");
  EXPECT_EQ(rate_text(0.001234), "0.00123");
  EXPECT_EQ(rate_text(4.25), "4.25");
  EXPECT_EQ(rate_text(12.34), "12.3");
  EXPECT_EQ(rate_text(99.97), "100");
  EXPECT_EQ(rate_text(1234.4), "1234");
  EXPECT_EQ(rate_text(-1), "0");
}

TEST(ClockText, MinutesThenHours) {
  EXPECT_EQ(clock_text(0), "0:00");
  EXPECT_EQ(clock_text(61.9), "1:01");
  EXPECT_EQ(clock_text(3600 + 120 + 5), "1:02:05");
}

scan_progress cidr_walk(uint64_t total, uint64_t done, uint64_t skipped) {
  scan_progress p;
  p.totals_known = true;
  p.targets_total = total;
  p.targets_read = done + skipped + 10;
  p.queued = done + 10;
  p.started = done + 10;
  p.done = done;
  p.skipped_reserved = skipped;
  return p;
}

TEST(ProgressLine, PercentAndEtaOnceTheTotalIsKnown) {
  // A /20 being walked: 1000 of 4096 done after 10 s (input not finished:
  // the walk goes on, but every line is read).
  scan_progress p = cidr_walk(4096, 1000, 24);
  EXPECT_EQ(progress_line(p, {}, 10, 95.5, false),
            "0:10 1000 done, 95.5 hosts/s, 10 in flight, 25.0% of 4096, ETA 0:30");
}

TEST(ProgressLine, NoEtaBeforeAnythingFinished) {
  scan_progress p = cidr_walk(4096, 0, 0);
  EXPECT_EQ(progress_line(p, {}, 1, 0, false), "0:01 0 done, 0 hosts/s, 10 in flight, 0.0% of 4096");
}

TEST(ProgressLine, StdinSaysItIsReading) {
  scan_progress p;
  p.targets_read = 7;
  p.queued = p.started = 7;
  p.done = 5;
  EXPECT_EQ(progress_line(p, {}, 3, 2, true),
            "0:03 5 done, 2 hosts/s, 2 in flight, reading targets from stdin (7 so far)");
  EXPECT_EQ(progress_line(p, {}, 3, 2, false), "0:03 5 done, 2 hosts/s, 2 in flight, 7 read so far");
}

TEST(ProgressLine, DomainsCountTowardsThePercentage) {
  scan_progress p;
  p.totals_known = true;
  p.names_total = p.names_read = 4;
  p.names_done = 1;
  p.children_done = 2;
  EXPECT_EQ(progress_line(p, {}, 2, 0, false),
            "0:02 0 done, 1 of 4 domains (2 MX addresses), 0 hosts/s, 0 in flight, 25.0% of 4, "
            "ETA 0:06");
}

TEST(ProgressFraction, FinishedMeansDoneSkippedOrDropped) {
  EXPECT_FALSE(progress_fraction(scan_progress{}).has_value());
  scan_progress p = cidr_walk(100, 40, 10);
  p.dropped = 5;
  EXPECT_DOUBLE_EQ(*progress_fraction(p), 0.55);
}

TEST(SummaryLine, RateOfAFewSlowHosts) {
  scan_progress p;
  p.targets_read = p.queued = p.started = p.done = 3;
  EXPECT_THAT(summary_line(p, {}, 10.02, {}, 42, 0),
              StartsWith("3 hosts in 10.02 s (0.299 hosts/s); skipped 0 reserved"));
  p.targets_read = p.queued = p.started = p.done = 1;
  EXPECT_THAT(summary_line(p, {}, 0.5, {}, 42, 0), StartsWith("1 host in 0.50 s (2 hosts/s);"));
}

TEST(SummaryLine, DomainScanCountsDomainsNotZeroHosts) {
  scan_progress p;
  p.names_read = p.names_queued = p.names_done = 2;
  p.children_done = 2;
  const std::string line = summary_line(p, {}, 1.0, {}, 7, 0);
  EXPECT_THAT(line, StartsWith("2 domains (2 MX addresses) in 1.00 s (2 domains/s, 2 records/s);"));
  EXPECT_THAT(line, Not(HasSubstr("0 hosts")));
}

TEST(SummaryLine, AddressesAndDomainsTogether) {
  scan_progress p;
  p.targets_read = p.queued = p.started = p.done = 4;
  p.names_read = p.names_queued = p.names_done = 1;
  p.children_done = 1;
  EXPECT_THAT(summary_line(p, {}, 2.0, {}, 7, 0),
              StartsWith("4 hosts and 1 domain (1 MX address) in 2.00 s (2 hosts/s, 2.5 records/s);"));
}

// A probe with nothing counted writes nothing (was "; spf;" on a scan whose
// domains had no SPF answer yet); one with counts writes them.
TEST(SummaryLine, ProbeWithoutCountsSaysNothing) {
  probe_options o;
  o.set = probe_set{true, true, false, false, false};
  auto registry = std::make_shared<counter_registry>();
  const probe_list probes = make_probes(o, *registry);
  scan_progress p;
  p.targets_read = p.queued = p.started = p.done = 2;
  p.probes.registry = registry.get();
  p.probes.values.assign(registry->size(), 0);
  std::string line = summary_line(p, probes, 1.0, {}, 7, 0);
  EXPECT_THAT(line, Not(HasSubstr("; ptr;"))) << line;
  EXPECT_THAT(line, Not(HasSubstr("; ptr ;"))) << line;
  const std::span<const uint64_t> ptr = p.probes.family("ptr");
  ASSERT_FALSE(ptr.empty());
  p.probes.values[registry->find("ptr")->first] = 2;
  line = summary_line(p, probes, 1.0, {}, 7, 0);
  EXPECT_THAT(line, HasSubstr("; ptr ")) << line;
}

}  // namespace
}  // namespace ptrscan
