// The whole of 198.18.0.0/16 (65,536 addresses) from a generated zone plan:
// ptrscan writes zstd NDJSON with two shards, and every record must match
// the plan.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "testnet/dns_testbed.h"
#include "testnet/ndjson.h"
#include "testnet/plan_check.h"
#include "testnet/subprocess.h"
#include "testnet/zone_plan.h"

namespace ptrscan::testnet {
namespace {

// Removes a temp dir on scope exit, whatever the assertions did.
struct temp_dir {
  temp_dir() {
    char templ[] = "/tmp/ptrscan-full-XXXXXX";
    if (::mkdtemp(templ) != nullptr) {
      path = templ;
    }
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty()) {
      std::filesystem::remove_all(path, ec);
    }
  }
  std::string path;
};

TEST(FullBlock, Slash16MatchesThePlan) {
  const std::string block = "198.18.0.0/16";
  zone_plan plan = zone_plan::generate(block, 2026);
  std::unique_ptr<dns_testbed> bed;
  try {
    bed = dns_testbed::start(plan.testbed());
  } catch (const std::exception& e) {
    FAIL() << "testbed failed to start: " << e.what();
  }
  temp_dir tmp;
  ASSERT_FALSE(tmp.path.empty());
  const std::string out = tmp.path + "/full.ndjson.zst";

  std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed->resolver());
  argv.insert(argv.end(), {"--threads", "2", "-o", out, block});
  run_options o;
  o.deadline = std::chrono::seconds(150);
  const auto t0 = std::chrono::steady_clock::now();
  run_result r = run_process(argv, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ measure  ] ptrscan " << block << ": " << secs << " s, "
            << static_cast<int>(plan.size() / secs) << " hosts/s\n";
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.empty()) << "records go to -o, not stdout";

  run_result z = run_process({"zstd", "-dc", out});
  ASSERT_EQ(z.exit_code, 0) << "not a complete zstd stream: " << z.describe();

  plan_check_report report = check_against_plan(plan, z.out, 12);
  std::cout << "[ measure  ] " << report.summary() << "\n";
  EXPECT_TRUE(report.ok()) << report.summary() << "\nptrscan stderr:\n" << r.err;
  EXPECT_TRUE(bed->healthy()) << bed->logs();
}

// Ctrl-C (and SIGTERM) mid-scan: ptrscan stops reading, finishes the hosts
// in flight, exits 128+N and leaves a finished zstd stream whose records are
// all correct.
TEST(FullBlock, InterruptLeavesAFinishedStream) {
  const std::string block = "198.18.0.0/16";
  zone_plan plan = zone_plan::generate(block, 99);
  std::unique_ptr<dns_testbed> bed;
  try {
    bed = dns_testbed::start(plan.testbed());
  } catch (const std::exception& e) {
    FAIL() << "testbed failed to start: " << e.what();
  }
  temp_dir tmp;
  ASSERT_FALSE(tmp.path.empty());
  for (const int signo : {SIGINT, SIGTERM}) {
    SCOPED_TRACE("signal " + std::to_string(signo));
    const std::string out = tmp.path + "/sig" + std::to_string(signo) + ".ndjson.zst";
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed->resolver());
    argv.insert(argv.end(), {"--threads", "2", "-o", out, block});
    run_options o;
    o.deadline = std::chrono::seconds(60);
    o.interrupt_after = std::chrono::milliseconds(1'500);
    o.interrupt_signal = signo;
    run_result r = run_process(argv, o);
    ASSERT_TRUE(r.interrupted) << "finished before the signal: " << r.describe();
    EXPECT_EQ(r.exit_code, 128 + signo) << r.describe();
    EXPECT_FALSE(r.timed_out);

    run_result test = run_process({"zstd", "-tq", out});
    EXPECT_EQ(test.exit_code, 0) << "unfinished zstd stream: " << test.describe();
    run_result z = run_process({"zstd", "-dc", out});
    plan_check_report report = check_against_plan(plan, z.out, 8, /*require_all=*/false);
    std::cout << "[ measure  ] signal " << signo << ": " << report.summary() << "\n";
    EXPECT_TRUE(report.ok()) << report.summary();
    EXPECT_GT(report.matched, 0U);
    EXPECT_LT(report.lines, plan.size());
  }
}

}  // namespace
}  // namespace ptrscan::testnet
