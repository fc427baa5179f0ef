// The command line end to end (issue 13 item 6): -n caps the targets read
// (the rest is not read, and the summary and --metadata say so), -u writes
// zmap-style status lines, -q silences the summary, and the two slicing
// forms give the same records.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Cli : public fixture_testbed_suite {
 protected:
  static run_result scan(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    argv.insert(argv.end(), {"--probes", "ptr", "--no-progress"});
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.stdin_data = stdin_data;
    o.deadline = std::chrono::seconds(60);
    return run_process(argv, o);
  }

  static std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::ostringstream buf;
    buf << f.rdbuf();
    return buf.str();
  }

  static std::set<std::string> ips(const std::string& ndjson) {
    std::set<std::string> out;
    for (const auto& rec : parse_ndjson(ndjson).records) {
      out.insert(rec.value("ip", std::string("?")));
    }
    return out;
  }
};

TEST_F(Cli, MaxTargetsCapsWhatIsReadAndSaysSo) {
  // 20 addresses on stdin, -n 7: seven read, the rest left unread.
  std::string input;
  for (int i = 1; i <= 20; ++i) {
    input += "198.18.0." + std::to_string(i) + "\n";
  }
  const std::string meta = dir_ + "/meta.json";
  const run_result r = scan({"-T", "2", "-n", "7", "-m", meta, "-o", "-"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(ips(r.out).size(), 7u) << r.out;
  EXPECT_THAT(r.err, HasSubstr("capped: stopped at -n 7 targets")) << r.err;
  const nlohmann::json m = nlohmann::json::parse(slurp(meta));
  EXPECT_EQ(m["targets_read"], 7);
  EXPECT_EQ(m["records"], 7);
  EXPECT_EQ(m["max_targets"], 7);
  EXPECT_EQ(m["capped"], true);
  // Skipped targets count as read: 3 reserved-skipped of the first 5.
  std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
  argv.erase(std::find(argv.begin(), argv.end(), "--allow-reserved"));
  argv.insert(argv.end(), {"--probes", "ptr", "-q", "-n", "5", "-m", meta, "-o", "-", "10.0.0.1",
                           "10.0.0.2", "10.0.0.3", "198.51.100.1", "198.51.100.2", "10.0.0.4"});
  const run_result skipped = run_process(argv, run_options{});
  ASSERT_EQ(skipped.exit_code, 0) << skipped.describe();
  const nlohmann::json s = nlohmann::json::parse(slurp(meta));
  EXPECT_EQ(s["targets_read"], 5);
  EXPECT_EQ(s["capped"], true);
  // A CIDR block: the permuted walk stops at N.
  const run_result block = scan({"-n", "10", "-m", meta, "-o", "-", "198.18.4.0/24"});
  ASSERT_EQ(block.exit_code, 0) << block.describe();
  EXPECT_EQ(ips(block.out).size(), 10u);
  EXPECT_EQ(nlohmann::json::parse(slurp(meta))["targets_read"], 10);
}

TEST_F(Cli, MaxTargetsAboveTheInputIsNoCap) {
  const std::string meta = dir_ + "/meta.json";
  const run_result r = scan({"-n", "100", "-m", meta, "-o", "-", "198.18.0.1", "198.18.0.2"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_EQ(ips(r.out).size(), 2u);
  EXPECT_THAT(r.err, Not(HasSubstr("capped")));
  EXPECT_EQ(nlohmann::json::parse(slurp(meta))["capped"], false);
}

TEST_F(Cli, StatusUpdatesFileHasHeaderAndLines) {
  const std::string status = dir_ + "/status.csv";
  const run_result r = scan({"-u", status, "-q", "-o", "-", "198.18.4.0/26"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // -q: no summary on stderr.
  EXPECT_THAT(r.err, Not(HasSubstr("hosts in")));
  std::istringstream in(slurp(status));
  std::string header;
  ASSERT_TRUE(std::getline(in, header));
  EXPECT_EQ(header.rfind("real-time,time-elapsed,", 0), 0u) << header;
  const size_t columns = std::count(header.begin(), header.end(), ',');
  std::string line, last;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(static_cast<size_t>(std::count(line.begin(), line.end(), ',')), columns) << line;
    last = line;
    ++lines;
  }
  // At least the final line, however short the scan; it counts every host.
  ASSERT_GE(lines, 1);
  EXPECT_THAT(last, HasSubstr(",64,64,"));  // targets read, hosts done
  EXPECT_EQ(last.back(), '1');              // input finished
}

TEST_F(Cli, UnwritableStatusFileIsAUsageError) {
  const run_result r = scan({"-u", dir_ + "/no-such-dir/s.csv", "198.18.0.1"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("no-such-dir/s.csv"));
}

TEST_F(Cli, BothSlicingFormsScanTheSameAddresses) {
  for (const auto& [i, n] : {std::pair{"0", "3"}, std::pair{"2", "3"}}) {
    SCOPED_TRACE(std::string(i) + "/" + n);
    const run_result a = scan({"--seed", "5", "--shard", std::string(i) + "/" + n, "-o", "-",
                               "198.18.4.0/26", "198.18.0.1", "198.18.0.2", "198.18.0.3"});
    const run_result b = scan({"--seed", "5", "--shards", n, "--shard", i, "-o", "-",
                               "198.18.4.0/26", "198.18.0.1", "198.18.0.2", "198.18.0.3"});
    ASSERT_EQ(a.exit_code, 0) << a.describe();
    ASSERT_EQ(b.exit_code, 0) << b.describe();
    EXPECT_FALSE(ips(a.out).empty());
    EXPECT_EQ(ips(a.out), ips(b.out));
  }
  const run_result bad = scan({"--seed", "5", "--shards", "3", "--shard", "1/2", "198.18.0.1"});
  EXPECT_EQ(bad.exit_code, 2) << bad.describe();
  EXPECT_THAT(bad.err, HasSubstr("disagree"));
}

TEST_F(Cli, HelpAndVersionExitZero) {
  for (const char* flag : {"-h", "--help", "-V", "--version"}) {
    const run_result r = run_process({PTRSCAN_BINARY, flag}, run_options{});
    EXPECT_EQ(r.exit_code, 0) << flag;
    EXPECT_FALSE(r.out.empty()) << flag;
  }
}

}  // namespace
}  // namespace ptrscan::testnet
