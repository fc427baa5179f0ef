// Target order and slicing end to end: --shard I/N slices are disjoint and
// cover every target, --seed fixes the CIDR walk, explicit addresses keep
// input order unless --shuffle, and --blocklist/--allowlist skip and count.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

class OrderAndSlicing : public fixture_testbed_suite {
 protected:
  /// Runs ptrscan (PTR only) and returns the record IPs in output order.
  /// One shard and one host at a time make output order = walk order.
  static std::vector<std::string> scan(const std::vector<std::string>& args, run_result* out = nullptr,
                                       bool serial = true) {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    argv.insert(argv.end(), {"--probes", "ptr", "--no-progress"});
    if (serial) {
      argv.insert(argv.end(), {"--threads", "1", "--max-inflight", "1"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.deadline = std::chrono::seconds(60);
    run_result r = run_process(argv, o);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    std::vector<std::string> ips;
    for (const auto& rec : parse_ndjson(r.out).records) {
      ips.push_back(rec.value("ip", std::string("?")));
    }
    if (out != nullptr) {
      *out = std::move(r);
    }
    return ips;
  }

};

TEST_F(OrderAndSlicing, ShardSlicesAreDisjointAndCoverEveryTarget) {
  // CIDRs of different sizes and explicit addresses (one repeated: it is two
  // targets, so it must appear twice in the union).
  const std::string targets = write("t.txt",
                                    "198.18.4.0/24\n198.18.9.0/26\n198.18.12.7\n198.18.12.9\n"
                                    "198.18.12.7\n2001:db8::/125\n");
  std::multiset<std::string> all;
  for (const std::string& ip : scan({"-i", targets}, nullptr, false)) {
    all.insert(ip);
  }
  ASSERT_EQ(all.size(), 256u + 64 + 3 + 8);
  for (int n : {1, 2, 3, 7}) {
    std::multiset<std::string> united;
    for (int i = 0; i < n; ++i) {
      const std::string slice = std::to_string(i) + "/" + std::to_string(n);
      for (const std::string& ip :
           scan({"--seed", "11", "--shard", slice, "-i", targets}, nullptr, false)) {
        united.insert(ip);
      }
    }
    EXPECT_EQ(united, all) << "N=" << n;
  }
}

TEST_F(OrderAndSlicing, ShuffledShardSlicesAreDisjointAndCoverEveryTarget) {
  // --shuffle deals explicit addresses by their position in the shuffled
  // order: each slice must start at its own index, or slices overlap.
  std::string text;
  std::multiset<std::string> listed;
  for (int i = 1; i <= 30; ++i) {
    const std::string ip = "198.18.7." + std::to_string(i);
    text += ip + "\n";
    listed.insert(ip);
  }
  text += "198.18.7.5\n";  // a repeat is a second target
  listed.insert("198.18.7.5");
  const std::string file = write("ips.txt", text);
  for (int n : {2, 3, 7}) {
    std::multiset<std::string> united;
    size_t largest = 0;
    for (int i = 0; i < n; ++i) {
      const std::string slice = std::to_string(i) + "/" + std::to_string(n);
      const std::vector<std::string> ips =
          scan({"--shuffle", "--seed", "11", "--shard", slice, "-i", file}, nullptr, false);
      largest = std::max(largest, ips.size());
      united.insert(ips.begin(), ips.end());
    }
    EXPECT_EQ(united, listed) << "N=" << n;
    EXPECT_LE(largest, (listed.size() + n - 1) / n) << "N=" << n;
  }
}

TEST_F(OrderAndSlicing, ASkippedBlockIsCountedOnceAcrossTheSlices) {
  // A block skipped whole (reserved, blocklisted, outside the allowlist) is
  // counted without being walked; each slice counts its own share, so the
  // slices' counts add up to the block once.
  const std::string block = write("block.txt", "198.18.6.0/24\n");
  const std::string allow = write("allow.txt", "198.18.4.0/24\n");
  struct skip_case {
    std::string what;
    std::vector<std::string> args;
    std::string count_re;  // the summary's count of this kind of skip
    bool allow_reserved;
  };
  const std::vector<skip_case> cases = {
      // Private-use, without --allow-reserved: skipped, nothing is sent.
      {"reserved", {"10.9.0.0/24"}, R"(skipped (\d+) reserved)", false},
      {"blocklist", {"--blocklist", block, "198.18.6.0/24", "198.18.4.1"},
       R"((\d+) by --blocklist/--allowlist)", true},
      {"allowlist", {"--allowlist", allow, "198.18.9.0/24", "198.18.4.1"},
       R"((\d+) by --blocklist/--allowlist)", true},
  };
  for (const skip_case& c : cases) {
    for (int n : {1, 2, 3, 7}) {
      SCOPED_TRACE(c.what + ", N=" + std::to_string(n));
      uint64_t total = 0;
      for (int i = 0; i < n; ++i) {
        std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
        if (!c.allow_reserved) {
          argv.erase(std::remove(argv.begin(), argv.end(), "--allow-reserved"), argv.end());
        }
        argv.insert(argv.end(), {"--probes", "ptr", "--no-progress", "--seed", "11", "--shard",
                                 std::to_string(i) + "/" + std::to_string(n)});
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        run_options o;
        o.deadline = std::chrono::seconds(60);
        const run_result r = run_process(argv, o);
        ASSERT_EQ(r.exit_code, 0) << r.describe();
        std::smatch m;
        ASSERT_TRUE(std::regex_search(r.err, m, std::regex(c.count_re))) << r.err;
        const uint64_t share = std::stoull(m[1].str());
        // Slice i of N walks positions i, i+N, ...: 256/N rounded one way or the other.
        EXPECT_GE(share, 256u / n) << r.err;
        EXPECT_LE(share, (256u + n - 1) / n) << r.err;
        total += share;
      }
      EXPECT_EQ(total, 256u);
    }
  }
}

TEST_F(OrderAndSlicing, TheSeedFixesTheWalkAndSpreadsIt) {
  const std::vector<std::string> a = scan({"--seed", "5", "198.18.4.0/24", "198.18.5.0/24"});
  const std::vector<std::string> b = scan({"--seed", "5", "198.18.4.0/24", "198.18.5.0/24"});
  const std::vector<std::string> c = scan({"--seed", "6", "198.18.4.0/24", "198.18.5.0/24"});
  ASSERT_EQ(a.size(), 512u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<std::string>(a.begin(), a.end()), std::set<std::string>(c.begin(), c.end()));
  // Both /24s are visited from the start, interleaved, not one after the other.
  int from_first = 0;
  for (size_t i = 0; i < 64; ++i) {
    from_first += a[i].rfind("198.18.4.", 0) == 0;
  }
  EXPECT_GT(from_first, 8);
  EXPECT_LT(from_first, 56);
}

TEST_F(OrderAndSlicing, ExplicitAddressesKeepInputOrderUnlessShuffled) {
  std::string text;
  std::vector<std::string> listed;
  for (int i = 40; i > 0; --i) {
    listed.push_back("198.18.7." + std::to_string(i));
    text += listed.back() + "\n";
  }
  const std::string file = write("ips.txt", text);
  EXPECT_EQ(scan({"-i", file}), listed);
  const std::vector<std::string> shuffled = scan({"--shuffle", "--seed", "3", "-i", file});
  EXPECT_NE(shuffled, listed);
  EXPECT_EQ(std::multiset<std::string>(shuffled.begin(), shuffled.end()),
            std::multiset<std::string>(listed.begin(), listed.end()));
}

TEST_F(OrderAndSlicing, BlocklistAndAllowlistSkipAndCount) {
  const std::string block = write("block.txt", "# zmap format\n198.18.4.0/25\n198.18.6.0/24\n");
  const std::string allow = write("allow.txt", "198.18.4.0/24 # the first /24 only\n198.18.8.1\n");
  run_result r;
  const std::vector<std::string> ips = scan({"--blocklist", block, "--allowlist", allow,
                                             "198.18.4.0/24", "198.18.5.0/24", "198.18.6.0/24",
                                             "198.18.8.1", "198.18.8.2"},
                                            &r, false);
  std::set<std::string> got(ips.begin(), ips.end());
  EXPECT_EQ(got.size(), 128u + 1);  // 198.18.4.128/25 and 198.18.8.1
  EXPECT_TRUE(got.count("198.18.4.200"));
  EXPECT_FALSE(got.count("198.18.4.5"));
  EXPECT_TRUE(got.count("198.18.8.1"));
  // Every target is a record or a counted skip: 256*3 + 2 = 129 + 641.
  EXPECT_NE(r.err.find("641 by --blocklist/--allowlist"), std::string::npos) << r.err;
}

TEST_F(OrderAndSlicing, UsageErrors) {
  const std::string bad = write("bad.txt", "10.0.0.0/8\nnot-an-address\n");
  std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--blocklist", bad, "198.18.4.1"}, "bad.txt:2: not an IP address"},
           {{"--allowlist", dir_ + "/missing", "198.18.4.1"}, "missing: cannot open"},
           {{"--shard", "1/2", "198.18.4.1"}, "--shard I/N needs --seed"},
           {{"--seed", "1", "--shard", "2/2", "198.18.4.1"}, "0 <= I < N"}}) {
    std::vector<std::string> a = argv;
    a.insert(a.end(), args.begin(), args.end());
    const run_result r = run_process(a, run_options{});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace ptrscan::testnet
