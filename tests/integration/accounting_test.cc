// No record lost: ptrscan's accounting checked at scale under faults.
//
//   targets read = records + skipped (reserved, listed) + dropped in flight
//                  + queued but not started
//   addresses in the input + bad lines = targets read + rejected lines
//
// checked against what the test wrote (IP and CIDR targets only), what
// ptrscan printed (summary line, --metadata) and what is in the output
// file, for: a fault mix (the simulator in a namespace of ours with reply
// delays, silent and refusing SMTP hosts, and DNS datagrams lost at random),
// SIGINT and SIGTERM mid-scan (once: finish in flight; twice: drop them),
// an output disk that fills up (a small tmpfs, and /dev/full), and
// --max-inflight 1. Records that the injected DNS loss did not touch are
// checked against the simulator's model (`ptrscan-simnet check`).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>

#include "../support/child_process.h"
#include "../support/fault_dns_server.h"
#include "../support/missing_fixture.h"
#include "../support/scan_accounting.h"
#include "../support/simnet_netns.h"
#include "net/ip_address.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using testing_faults::child_options;
using testing_faults::child_process;
using testing_faults::child_result;
using testing_faults::metadata_counts;
using testing_faults::summary_counts;

struct temp_dir {
  temp_dir() {
    char templ[] = "/tmp/ptrscan-acct-XXXXXX";
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

/// One finished ptrscan run, read back.
struct scan_run {
  child_result proc;
  std::string err;
  std::string output;      // decompressed when .zst
  int unzstd_exit = 0;     // zstd -dc's exit status (0 for plain output)
  int zstd_test_exit = 0;  // zstd -tq's
  ndjson_lines lines;
  summary_counts summary;
  metadata_counts meta;

  std::string describe() const {
    const size_t from = err.size() > 3'000 ? err.size() - 3'000 : 0;
    return proc.describe() + "\nstderr: " + err.substr(from);
  }
};

scan_run run_scan(std::vector<std::string> argv, const std::string& dir, const std::string& out,
                  std::vector<child_process::trigger> triggers = {},
                  std::chrono::seconds deadline = std::chrono::seconds(90)) {
  scan_run r;
  const std::string meta = dir + "/meta.json";
  std::filesystem::remove(meta);
  argv.insert(argv.end(), {"--metadata", meta});
  child_options o;
  o.stdout_path = dir + "/stdout";
  o.stderr_path = dir + "/stderr";
  o.deadline = deadline;
  r.proc = child_process::run(argv, o, std::move(triggers));
  r.err = testing_faults::read_file(o.stderr_path);
  if (out.size() > 4 && out.substr(out.size() - 4) == ".zst") {
    run_result z = run_process({"zstd", "-dcq", out});
    r.output = z.out;
    r.unzstd_exit = z.exit_code;
    r.zstd_test_exit = run_process({"zstd", "-tq", out}).exit_code;
  } else if (out != "/dev/full") {
    r.output = testing_faults::read_file(out);
  }
  r.lines = parse_ndjson(r.output);
  r.summary = testing_faults::parse_summary_line(r.err);
  r.meta = testing_faults::parse_metadata(testing_faults::read_file(meta));
  return r;
}

/// Progress lines on stderr ("ptrscan: 0:02 1234 done, ..."): the last count.
std::function<bool()> when_done_at_least(const std::string& stderr_path, uint64_t n) {
  return [stderr_path, n] {
    const std::string err = testing_faults::read_file(stderr_path);
    static const std::regex done(R"((\d+) done,)");
    uint64_t last = 0;
    for (std::sregex_iterator it(err.begin(), err.end(), done), end; it != end; ++it) {
      last = std::stoull((*it)[1].str());
    }
    return last >= n;
  };
}

/// Every address of `cidr` (IPv4).
std::vector<std::string> expand(const std::string& cidr) {
  const size_t slash = cidr.find('/');
  const ip_address base = *ip_address::parse(cidr.substr(0, slash));
  const int prefix = std::stoi(cidr.substr(slash + 1));
  std::vector<std::string> out;
  const uint32_t n = 1u << (32 - prefix);
  for (uint32_t i = 0; i < n; ++i) {
    out.push_back(ip_address::v4(base.v4_value() + i).to_string());
  }
  return out;
}

/// The records the injected DNS loss cannot have touched (their lookups all
/// got an answer) and a signal did not cut short (no SMTP session
/// `stopped`), which must then match the simulator's model exactly.
struct split_records {
  std::string untouched;  // NDJSON
  uint64_t untouched_count = 0;
  uint64_t touched = 0;
};
split_records split_by_dns_loss(const ndjson_lines& lines) {
  split_records s;
  for (const json& r : lines.records) {
    const std::string ptr =
        r.contains("ptr") && r["ptr"].is_object() ? r["ptr"].value("status", "") : "";
    const std::string fcrdns =
        r.contains("fcrdns") && r["fcrdns"].is_object() ? r["fcrdns"].value("status", "") : "";
    // A first signal writes SMTP sessions it did not wait for as `stopped`
    // (--stop-grace): the scanner's word, not the model's.
    bool stopped = false;
    if (r.contains("smtp") && r["smtp"].is_array()) {
      for (const json& session : r["smtp"]) {
        stopped = stopped || (session.is_object() && session.value("status", "") == "stopped");
      }
    }
    if (ptr == "timeout" || ptr == "error" || ptr == "servfail" || fcrdns == "error" || stopped) {
      ++s.touched;
      continue;
    }
    s.untouched += r.dump() + "\n";
    ++s.untouched_count;
  }
  return s;
}

class Accounting : public ::testing::Test {
 protected:
  static constexpr const char* range = "198.18.0.0/17";

  static void SetUpTestSuite() {
    simnet_path_ = testing_faults::simnet_binary();
    skip_reason_ = testing_faults::simnet_netns::unavailable_reason(simnet_path_);
    if (!skip_reason_.empty()) {
      return;
    }
    log_dir_ = new temp_dir();
    testing_faults::simnet_options o;
    o.range = range;
    o.delay_ms = 10;
    o.jitter_ms = 5;
    o.dns_loss_percent = 5;  // each way: ~10% of tries lose the query or the answer
    try {
      net_ = new testing_faults::simnet_netns(simnet_path_, o, log_dir_->path);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete net_;
    net_ = nullptr;
    delete log_dir_;
    log_dir_ = nullptr;
  }
  void SetUp() override {
    if (!skip_reason_.empty()) {
      PTRSCAN_MISSING_FIXTURE(skip_reason_);
    }
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ASSERT_FALSE(dir_.path.empty());
  }

  /// ptrscan with every probe, against the simulator.
  static std::vector<std::string> command(const std::vector<std::string>& extra) {
    // Flag and value pairs, one pair a line.
    // clang-format off
    std::vector<std::string> argv = {PTRSCAN_BINARY,
        "--resolver", net_->resolver().to_string(),
        "--allow-reserved",
        "--probes", "ptr,fcrdns,smtp,starttls",
        "--smtp-ports", "25",
        "--ehlo-name", "scanner.test",
        "--connect-timeout", "1000",
        "--read-timeout", "2000",
        "--session-timeout", "5000",
        "--dns-timeout", "200",
        "--retries", "2",
        "--per-subnet", "0",
        "--seed", "11"};
    // clang-format on
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  /// The invariant between what ptrscan printed and what it wrote.
  static void expect_consistent(const scan_run& r, uint64_t skipped) {
    ASSERT_TRUE(r.summary.found) << "no summary line: " << r.describe();
    ASSERT_TRUE(r.meta.found) << "no --metadata file: " << r.describe();
    EXPECT_EQ(r.lines.bad_lines.size(), 0U) << "output lines that are not JSON objects";
    EXPECT_EQ(r.lines.records.size(), r.summary.hosts) << "records in the file vs the summary";
    EXPECT_EQ(r.meta.records, r.summary.hosts);
    EXPECT_EQ(r.meta.dropped, r.summary.dropped);
    EXPECT_EQ(r.meta.rejected, r.summary.rejected);
    EXPECT_EQ(r.meta.skipped, r.summary.skipped());
    EXPECT_EQ(r.meta.skipped, skipped);
    EXPECT_EQ(r.meta.targets_read,
              r.summary.hosts + r.summary.skipped() + r.summary.dropped + r.summary.not_started)
        << "targets read = records + skipped + dropped in flight + queued but not started\n"
        << r.summary.line;
    std::set<std::string> seen;
    for (const json& rec : r.lines.records) {
      const std::string ip = rec.value("ip", "");
      EXPECT_TRUE(seen.insert(ip).second) << "duplicate record for " << ip;
    }
  }

  /// Records untouched by DNS loss match the model; nothing is duplicated
  /// or outside the range; `expected_missing` targets have no such record.
  static void expect_model_matches(const scan_run& r, const std::string& file_dir,
                                   uint64_t range_size) {
    const split_records s = split_by_dns_loss(r.lines);
    const std::string path = file_dir + "/untouched.ndjson";
    std::ofstream(path) << s.untouched;
    const run_result c = net_->check(range, "ptr,fcrdns,smtp,starttls", path);
    const json j = json::parse(c.out.substr(c.out.rfind('{')), nullptr, false);
    ASSERT_TRUE(j.is_object()) << c.describe() << c.out;
    std::cout << "[ measure  ] model check of " << s.untouched_count << " records (" << s.touched
              << " touched by DNS loss left out): " << j.dump() << "\n";
    EXPECT_EQ(j.value("mismatched", -1), 0) << c.err;
    EXPECT_EQ(j.value("duplicates", -1), 0);
    EXPECT_EQ(j.value("outside", -1), 0);
    EXPECT_EQ(j.value("missing", uint64_t{0}), range_size - s.untouched_count);
  }

  static inline std::string simnet_path_;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
  static inline temp_dir* log_dir_ = nullptr;
  static inline testing_faults::simnet_netns* net_ = nullptr;
  temp_dir dir_;
};

TEST_F(Accounting, FaultMixAccountsForEveryTarget) {
  // 16,384 addresses of a CIDR, 200 explicit ones, 3 outside the allowlist,
  // 257 blocklisted, 6 bad lines, comments and blank lines.
  std::ostringstream in;
  in << "# accounting under a fault mix\n198.18.0.0/18\n\n";
  std::set<std::string> expected;
  for (const std::string& ip : expand("198.18.0.0/18")) {
    if (ip.rfind("198.18.1.", 0) != 0) {
      expected.insert(ip);
    }
  }
  for (int i = 0; i < 200; ++i) {
    const std::string ip = "198.18.64." + std::to_string(i);
    in << ip << "\n";
    if (i != 7) {
      expected.insert(ip);
    }
  }
  in << "10.0.0.1\n10.0.0.2\n192.0.2.1\n";
  // Lines that are neither an address, a CIDR nor a domain name.
  in << "not an address\n@@@\n198.18.0.0/33\n300.1.2.3\n198.18.64.1/\n::g::\n";
  const std::string targets = dir_.path + "/targets.txt";
  std::ofstream(targets) << in.str();
  std::ofstream(dir_.path + "/block.txt") << "198.18.1.0/24\n198.18.64.7\n";
  std::ofstream(dir_.path + "/allow.txt") << "198.18.0.0/15\n";
  const uint64_t addresses = 16'384 + 200 + 3;
  const uint64_t skipped = 256 + 1 + 3;
  const uint64_t bad_lines = 6;

  const std::string out = dir_.path + "/out.ndjson.zst";
  const auto t0 = std::chrono::steady_clock::now();
  scan_run r =
      run_scan(command({"--threads", "2", "--max-inflight", "4000", "--dns-inflight", "2048", "-o",
                        out, "-i", targets, "--blocklist", dir_.path + "/block.txt", "--allowlist",
                        dir_.path + "/allow.txt"}),
               dir_.path, out);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.proc.exit_code, 0) << r.describe();
  EXPECT_EQ(r.zstd_test_exit, 0) << "not a finished zstd stream";
  expect_consistent(r, skipped);
  // Against the input the test wrote.
  EXPECT_EQ(r.meta.targets_read, addresses);
  EXPECT_EQ(r.meta.rejected, bad_lines);
  EXPECT_EQ(r.meta.targets_read + r.meta.rejected, addresses + bad_lines);
  EXPECT_EQ(r.summary.dropped, 0U);
  EXPECT_EQ(r.summary.not_started, 0U);
  EXPECT_EQ(r.lines.records.size(), addresses - skipped);
  std::set<std::string> got;
  for (const json& rec : r.lines.records) {
    got.insert(rec.value("ip", ""));
  }
  EXPECT_TRUE(got == expected) << got.size() << " distinct records for " << expected.size()
                               << " expected addresses";
  // The faults were there: lookups lost for good, silent SMTP hosts.
  std::map<std::string, uint64_t> ptr, smtp;
  for (const json& rec : r.lines.records) {
    if (rec.contains("ptr") && rec["ptr"].is_object()) {
      ++ptr[rec["ptr"].value("status", "")];
    }
    if (rec.contains("smtp") && rec["smtp"].is_array() && !rec["smtp"].empty() &&
        rec["smtp"][0].is_object()) {
      ++smtp[rec["smtp"][0].value("status", "")];
    }
  }
  std::cout << "[ measure  ] fault mix, " << secs << " s: targets read " << r.meta.targets_read
            << ", records " << r.lines.records.size() << ", skipped " << r.meta.skipped
            << ", rejected " << r.meta.rejected << ", dropped " << r.meta.dropped << "; ptr";
  for (const auto& [k, v] : ptr) {
    std::cout << " " << k << " " << v;
  }
  std::cout << "; smtp";
  for (const auto& [k, v] : smtp) {
    std::cout << " " << k << " " << v;
  }
  std::cout << "\n[ measure  ] " << r.summary.line << "\n";
  EXPECT_GT(smtp["timeout"], 0U) << "the silent hosts were in the mix";
  EXPECT_GT(smtp["refused"], 0U);
  expect_model_matches(r, dir_.path, 32'768);
}

TEST_F(Accounting, MaxInflightOneAccountsForEveryTarget) {
  const std::string out = dir_.path + "/one.ndjson";
  scan_run r = run_scan(command({"--max-inflight", "1", "--connect-timeout", "300", "--dns-timeout",
                                 "100", "-o", out, "198.18.3.0/25", "198.18.4.1", "198.18.4.2"}),
                        dir_.path, out);
  ASSERT_EQ(r.proc.exit_code, 0) << r.describe();
  expect_consistent(r, 0);
  EXPECT_EQ(r.meta.targets_read, 130U);
  EXPECT_EQ(r.lines.records.size(), 130U);
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("dropped in flight")));
  std::cout << "[ measure  ] " << r.summary.line << "\n";
}

class AccountingSignals : public Accounting, public ::testing::WithParamInterface<int> {};

// One signal: stop reading, finish the hosts in flight. Two (SIGINT then
// SIGINT again): drop them. Either way the stream is finished, the summary
// printed, and every target read is a record, a drop, or queued-not-started.
TEST_P(AccountingSignals, SignalMidScanAccountsForEveryHost) {
  const int mode = GetParam();
  const int signo = mode == 15 ? SIGTERM : SIGINT;
  const bool twice = mode == 22;
  const std::string out = dir_.path + "/sig.ndjson.zst";
  const std::string err_path = dir_.path + "/stderr";
  std::vector<child_process::trigger> triggers = {{when_done_at_least(err_path, 2'000), signo}};
  if (twice) {
    auto first = std::make_shared<std::chrono::steady_clock::time_point>();
    triggers[0].condition = [cond = when_done_at_least(err_path, 2'000), first] {
      if (cond()) {
        *first = std::chrono::steady_clock::now();
        return true;
      }
      return false;
    };
    triggers.push_back({[first] {
                          return std::chrono::steady_clock::now() - *first >
                                 std::chrono::milliseconds(150);
                        },
                        SIGINT});
  }
  scan_run r =
      run_scan(command({"--threads", "2", "--max-inflight", "400", "--progress", "-o", out, range}),
               dir_.path, out, std::move(triggers));
  ASSERT_EQ(r.proc.signals_sent.size(), twice ? 2U : 1U)
      << "the scan ended before the signal: " << r.describe();
  EXPECT_FALSE(r.proc.timed_out);
  EXPECT_EQ(r.proc.exit_code, 128 + signo) << r.describe();
  EXPECT_EQ(r.zstd_test_exit, 0) << "the zstd stream is not finished";
  EXPECT_EQ(r.unzstd_exit, 0);
  EXPECT_THAT(r.err, HasSubstr(twice ? "dropping hosts in flight" : "finishing hosts in flight"));
  expect_consistent(r, 0);
  EXPECT_GE(r.lines.records.size(), 2'000U);
  EXPECT_LT(r.lines.records.size(), 32'768U) << "the signal stopped the scan early";
  EXPECT_LE(r.meta.targets_read, 32'768U);
  if (!twice) {
    EXPECT_EQ(r.summary.dropped, 0U) << "one signal finishes the hosts in flight";
  }
  std::cout << "[ measure  ] signal " << signo << (twice ? " twice" : "") << ": targets read "
            << r.meta.targets_read << ", records " << r.lines.records.size() << ", dropped "
            << r.summary.dropped << ", queued but not started " << r.summary.not_started << "\n"
            << "[ measure  ] " << r.summary.line << "\n";
  expect_model_matches(r, dir_.path, 32'768);
}

INSTANTIATE_TEST_SUITE_P(Signals, AccountingSignals, ::testing::Values(2, 15, 22),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return i.param == 2    ? std::string("Sigint")
                                  : i.param == 15 ? std::string("Sigterm")
                                                  : std::string("SigintTwice");
                         });

/// A tmpfs of `kib` KiB mounted on `dir`, unmounted on scope exit.
struct small_tmpfs {
  small_tmpfs(const std::string& dir, int kib) : path(dir) {
    std::filesystem::create_directories(dir);
    const std::string opts = "size=" + std::to_string(kib) + "k,mode=0755";
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0;
    error = mounted ? "" : std::strerror(errno);
  }
  ~small_tmpfs() {
    if (mounted) {
      ::umount2(path.c_str(), MNT_DETACH);
    }
  }
  std::string path;
  bool mounted = false;
  std::string error;
};

class AccountingDiskFull : public Accounting, public ::testing::WithParamInterface<std::string> {};

// The output fills its file system mid-scan: a clear error naming the file,
// exit 1, the summary still printed, and what was written stays readable
// (complete zstd frames / complete lines only).
TEST_P(AccountingDiskFull, OutputDiskFullIsAClearErrorAndTheFileStaysReadable) {
  const std::string kind = GetParam();
  std::unique_ptr<small_tmpfs> fs;
  std::string out = "/dev/full";
  if (kind != "dev_full") {
    fs = std::make_unique<small_tmpfs>(dir_.path + "/small", 192);
    if (!fs->mounted) {
      PTRSCAN_MISSING_FIXTURE("cannot mount a tmpfs here: " + fs->error);
    }
    out = fs->path + (kind == "zst" ? "/out.ndjson.zst" : "/out.ndjson");
  }
  // --rate spreads the scan over a few seconds, so over several zstd frames
  // (one per second at least): a scan done within the first second makes
  // one frame larger than the file system, and nothing is written at all.
  scan_run r = run_scan(
      {PTRSCAN_BINARY, "--resolver", net_->resolver().to_string(), "--allow-reserved", "--probes",
       "ptr,fcrdns", "--dns-timeout", "200", "--threads", "2", "--rate", "4000", "-o", out, range},
      dir_.path, out);
  EXPECT_EQ(r.proc.exit_code, 1) << r.describe();
  EXPECT_FALSE(r.proc.timed_out);
  EXPECT_THAT(r.err, HasSubstr(out)) << "the message names the file";
  EXPECT_THAT(r.err, HasSubstr("No space left on device"));
  EXPECT_TRUE(r.summary.found) << "the summary is printed after a write error too";
  if (kind == "dev_full") {
    return;
  }
  EXPECT_GT(r.output.size(), 0U) << "something was written before the disk filled";
  EXPECT_EQ(r.lines.bad_lines.size(), 0U)
      << "every line that was written is a complete record; first bad: "
      << (r.lines.bad_lines.empty() ? "" : r.lines.bad_lines.front().substr(0, 200));
  if (kind == "zst") {
    EXPECT_EQ(r.zstd_test_exit, 0)
        << "the file should hold complete zstd frames only (no frame cut by ENOSPC)";
  } else {
    EXPECT_TRUE(!r.output.empty() && r.output.back() == '\n')
        << "the file should end with a complete line, not a record cut by ENOSPC";
  }
  EXPECT_LE(r.lines.records.size(), r.summary.hosts);
  std::cout << "[ measure  ] disk full (" << kind << "): " << r.lines.records.size()
            << " readable records of " << r.summary.hosts << " done; " << r.summary.line << "\n";
}

INSTANTIATE_TEST_SUITE_P(DiskFull, AccountingDiskFull,
                         ::testing::Values("zst", "plain", "dev_full"));

// Without --allow-reserved, special-purpose addresses are skipped and
// counted, never probed: no traffic at all, so loopback is enough.
TEST(AccountingReserved, ReservedTargetsAreSkippedAndCounted) {
  testing_faults::fault_dns_server dns;
  temp_dir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string out = dir.path + "/out.ndjson";
  // A bad line of an -i file is rejected and counted (as a TARGET argument
  // it would be a usage error: issue 15 item 9).
  const std::string bad = dir.path + "/bad.txt";
  std::ofstream(bad) << "not an address\n";
  scan_run r = run_scan({PTRSCAN_BINARY, "--resolver", dns.address(), "--probes", "ptr,fcrdns,smtp",
                         "-o", out, "10.0.0.0/30", "192.168.7.7", "127.0.0.1", "::1", "fe80::1",
                         "198.18.0.0/24", "-i", bad},
                        dir.path, out);
  ASSERT_EQ(r.proc.exit_code, 0) << r.describe();
  ASSERT_TRUE(r.summary.found) << r.describe();
  ASSERT_TRUE(r.meta.found);
  EXPECT_EQ(r.lines.records.size(), 0U);
  EXPECT_EQ(r.summary.skipped_reserved, 4U + 4U + 256U);
  EXPECT_EQ(r.meta.targets_read, 264U);
  EXPECT_EQ(r.meta.skipped, 264U);
  EXPECT_EQ(r.meta.rejected, 1U);
  EXPECT_EQ(dns.udp_queries_total(), 0) << "nothing skipped is looked up";
}

// More shards than targets: a shard finds nothing to do and ends while
// another is still starting. Each run still ends with one record per target.
// (Under TSan this once reported a race: a new shard's ring mapped where an
// ended shard's had been; see ring.cc.)
TEST(AccountingReserved, MoreShardsThanTargetsAccountForEveryTarget) {
  testing_faults::fault_dns_server dns;
  temp_dir dir;
  ASSERT_FALSE(dir.path.empty());
  const std::string out = dir.path + "/out.ndjson";
  const std::vector<std::vector<std::string>> inputs = {
      {}, {"198.18.0.1"}, {"198.18.0.1", "198.18.0.2", "198.18.0.3"}};
  for (int round = 0; round < 8; ++round) {
    for (const std::vector<std::string>& targets : inputs) {
      std::vector<std::string> argv = {PTRSCAN_BINARY, "--resolver", dns.address(), "--probes",
                                       "ptr", "--allow-reserved", "--threads", "8", "-o", out};
      argv.insert(argv.end(), targets.begin(), targets.end());
      if (targets.empty()) {
        argv.insert(argv.end(), {"-i", "/dev/null"});
      }
      scan_run r = run_scan(argv, dir.path, out);
      ASSERT_EQ(r.proc.exit_code, 0) << r.describe();
      ASSERT_TRUE(r.meta.found) << r.describe();
      EXPECT_EQ(r.lines.records.size(), targets.size()) << r.describe();
      EXPECT_EQ(r.meta.targets_read, targets.size());
    }
  }
}

}  // namespace
}  // namespace ptrscan::testnet
