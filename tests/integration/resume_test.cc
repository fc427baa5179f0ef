// --state end to end: a scan killed with SIGKILL mid-way and started again
// with the same arguments ends with every host in the output exactly once
// (issue 6's "resumes after SIGKILL without a loss or a duplicate").

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

class Resume : public fixture_testbed_suite {
 protected:
  std::vector<std::string> command(const std::vector<std::string>& extra) const {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    argv.insert(argv.end(), {"--probes", "ptr", "--no-progress", "--state", dir_ + "/scan.state",
                             "--state-interval", "200", "-o", dir_ + "/out.ndjson.zst"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::map<std::string, int> ips_in_output() const {
    const run_result z = run_process({"zstd", "-dc", dir_ + "/out.ndjson.zst"}, run_options{});
    EXPECT_EQ(z.exit_code, 0) << z.describe();
    std::map<std::string, int> count;
    for (const auto& rec : parse_ndjson(z.out).records) {
      ++count[rec.value("ip", std::string("?"))];
    }
    return count;
  }

};

TEST_F(Resume, SigkillThenResumeWritesEveryHostOnce) {
  // 4,096 hosts at 1,500/s: about 2.7 s; killed after 1.2 s.
  const std::vector<std::string> scan = {"--rate", "1500", "198.18.16.0/20"};
  run_options killed;
  killed.deadline = std::chrono::seconds(60);
  killed.interrupt_after = std::chrono::milliseconds(1200);
  killed.interrupt_signal = SIGKILL;
  const run_result first = run_process(command(scan), killed);
  ASSERT_EQ(first.term_signal, SIGKILL) << first.describe();
  const size_t before = ips_in_output().size();
  EXPECT_GT(before, 0u);
  EXPECT_LT(before, 4096u);

  run_options ro;
  ro.deadline = std::chrono::seconds(60);
  const run_result second = run_process(command(scan), ro);
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_NE(second.err.find("resuming:"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("written before (--state)"), std::string::npos) << second.err;

  const std::map<std::string, int> count = ips_in_output();
  EXPECT_EQ(count.size(), 4096u);
  for (const auto& [ip, n] : count) {
    EXPECT_EQ(n, 1) << ip;
  }
}

TEST_F(Resume, AStateOfOtherArgumentsIsRefused) {
  run_options ro;
  ro.deadline = std::chrono::seconds(60);
  ASSERT_EQ(run_process(command({"198.18.16.0/28"}), ro).exit_code, 0);
  const run_result other = run_process(command({"198.18.16.0/27"}), ro);
  EXPECT_EQ(other.exit_code, 2) << other.describe();
  EXPECT_NE(other.err.find("other arguments"), std::string::npos) << other.err;
  // Finished: the same command again writes nothing new.
  ASSERT_EQ(run_process(command({"198.18.16.0/28"}), ro).exit_code, 0);
  EXPECT_EQ(ips_in_output().size(), 16u);
}

}  // namespace
}  // namespace ptrscan::testnet
