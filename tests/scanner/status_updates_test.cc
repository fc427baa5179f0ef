// -u FILE (scanner/status_updates.cc): zmap-style CSV status lines. Timing
// is not asserted; the format and the arithmetic of each column are.
#include "status_updates.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"

namespace ptrscan {
namespace {

std::vector<std::string> fields(const std::string& line) {
  std::string l = line;
  if (!l.empty() && l.back() == '\n') {
    l.pop_back();
  }
  return absl::StrSplit(l, ',');
}

TEST(StatusUpdates, HeaderNamesEveryColumn) {
  const std::vector<std::string> h = fields(status_updates::header());
  EXPECT_EQ(h.front(), "real-time");
  EXPECT_EQ(h[1], "time-elapsed");
  for (const char* c : {"hosts-done-total", "hosts-done-last-one-sec", "in-flight",
                        "dns-queries-last-one-sec", "smtp-sessions-open", "targets-read-total"}) {
    EXPECT_NE(std::find(h.begin(), h.end(), c), h.end()) << c;
  }
}

TEST(StatusUpdates, LineHasAValueForEachColumnAndRatesOverTheInterval) {
  scan_progress before;
  before.done = 100;
  before.dns_queries = 1000;
  scan_progress now;
  now.targets_read = 400;
  now.started = 350;
  now.done = 300;
  now.dns_queries = 3000;
  counter_registry registry;
  registry.declare("ptr", {"ok", "nxdomain"});
  const size_t active = registry.declare("smtp_active");
  now.probes.registry = &registry;
  now.probes.values.assign(registry.size(), 0);
  now.probes.values[active] = 7;
  now.skipped_reserved = 5;
  now.skipped_listed = 1;
  const auto wall = std::chrono::system_clock::from_time_t(1700000000);
  const std::vector<std::string> v = fields(status_updates::line(wall, 4.0, now, 2.0, before));
  const std::vector<std::string> h = fields(status_updates::header());
  ASSERT_EQ(v.size(), h.size());
  auto col = [&](const std::string& name) {
    return v[std::find(h.begin(), h.end(), name) - h.begin()];
  };
  EXPECT_EQ(col("real-time"), "2023-11-14T22:13:20Z");
  EXPECT_EQ(col("time-elapsed"), "4");
  EXPECT_EQ(col("targets-read-total"), "400");
  EXPECT_EQ(col("hosts-done-total"), "300");
  EXPECT_EQ(col("hosts-done-last-one-sec"), "100");  // 200 over 2 s
  EXPECT_EQ(col("hosts-done-avg-per-sec"), "75");    // 300 over 4 s
  EXPECT_EQ(col("in-flight"), "50");
  EXPECT_EQ(col("dns-queries-last-one-sec"), "1000");
  EXPECT_EQ(col("smtp-sessions-open"), "7");
  EXPECT_EQ(col("skipped-total"), "6");
  EXPECT_EQ(col("input-finished"), "0");
}

TEST(StatusUpdates, FileStartsWithTheHeaderAndGetsALinePerWrite) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("ptrscan-status-" + std::to_string(getpid())))
          .string();
  {
    auto s = status_updates::open(path);
    ASSERT_TRUE(s.ok()) << s.status();
    scan_progress p;
    (*s)->write(std::chrono::system_clock::now(), 1.0, p);
    p.done = 5;
    (*s)->write(std::chrono::system_clock::now(), 2.0, p);
  }
  std::ifstream f(path);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(f, line)) {
    lines.push_back(line);
  }
  std::filesystem::remove(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0] + "\n", status_updates::header());
  EXPECT_EQ(fields(lines[2])[3], "5");
  EXPECT_FALSE(status_updates::open("/nonexistent-dir/x.csv").ok());
}

}  // namespace
}  // namespace ptrscan
