// ptrscan's target input end to end: -i files with bad lines, missing files,
// stdin, CIDR blocks, reserved ranges and usage errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class InputHandling : public fixture_testbed_suite {
 protected:
  static run_result scan(const std::vector<std::string>& args, const std::string& stdin_data = "",
                         bool allow_reserved = true) {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    if (!allow_reserved) {
      argv.erase(std::find(argv.begin(), argv.end(), "--allow-reserved"));
    }
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.stdin_data = stdin_data;
    o.deadline = std::chrono::seconds(60);
    return run_process(argv, o);
  }

  static std::multiset<std::string> ips(const run_result& r) {
    std::multiset<std::string> out;
    for (const auto& rec : parse_ndjson(r.out).records) {
      out.insert(rec.value("ip", std::string("?")));
    }
    return out;
  }

};

TEST_F(InputHandling, BadLineIsReportedWithFileAndLineAndSkipped) {
  const std::string path =
      write("targets.txt", "198.18.0.1\n# a comment\n\nnot an address!\n198.18.0.8\n");
  run_result r = scan({"-i", path});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr(path + ":4"));
  EXPECT_THAT(ips(r), UnorderedElementsAre("198.18.0.1", "198.18.0.8"));
}

// Issue 15 item 9: a TARGET argument is typed by hand, so a typo stops the
// scan before anything is sent (exit 2, naming the argument); the same text
// in an -i file is one bad line among many, skipped and counted.
TEST_F(InputHandling, TypoInATargetArgumentIsAUsageError) {
  for (const char* typo : {"10.0.0.0/33", "300.1.2.0/24", "2001:db8::/64", "198.18.0.0/"}) {
    SCOPED_TRACE(typo);
    run_result r = scan({"198.18.0.1", typo});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr(std::string("argument 2 '") + typo + "'"));
    EXPECT_TRUE(ips(r).empty()) << "nothing is scanned: " << r.out;
    const std::string path = write("typo.txt", std::string("198.18.0.1\n") + typo + "\n");
    run_result from_file = scan({"-i", path});
    EXPECT_EQ(from_file.exit_code, 0) << from_file.describe();
    EXPECT_THAT(from_file.err, HasSubstr(path + ":2"));
    EXPECT_THAT(ips(from_file), UnorderedElementsAre("198.18.0.1"));
  }
}

TEST_F(InputHandling, CidrWithHostBitsSetWarnsAndScansTheBlock) {
  run_result r = scan({"198.18.0.9/30"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("warning: argument 1 '198.18.0.9/30' has host bits set: "
                               "scanning 198.18.0.8/30"));
  EXPECT_THAT(ips(r),
              UnorderedElementsAre("198.18.0.8", "198.18.0.9", "198.18.0.10", "198.18.0.11"));
  // Written as a block boundary: no warning.
  run_result clean = scan({"198.18.0.8/30"});
  EXPECT_EQ(clean.exit_code, 0) << clean.describe();
  EXPECT_THAT(clean.err, ::testing::Not(HasSubstr("host bits")));
}

// More public space than a /8 needs --allow-large-scan, and the error says
// so. Every address is blocklisted (-b 0.0.0.0/0) and -n caps what is read,
// so even the runs that are let through send nothing anywhere.
TEST_F(InputHandling, MoreThanASlash8OfPublicSpaceNeedsAFlag) {
  const std::string all = write("all.txt", "0.0.0.0/0\n::/0\n");
  struct guard_case {
    std::vector<std::string> targets;
    bool allowed_without_flag;
  };
  const std::vector<guard_case> cases = {
      {{"0.0.0.0/0"}, false},
      {{"11.0.0.0/8"}, true},                    // exactly a /8: no flag needed
      {{"11.0.0.0/8", "12.0.0.1"}, false},       // one address more
      {{"11.0.0.0/9", "12.0.0.0/9", "13.0.0.0/9"}, false},  // summed over arguments
      {{"10.0.0.0/8", "11.0.0.0/8"}, true},      // private space is not counted
  };
  for (const guard_case& c : cases) {
    SCOPED_TRACE(c.targets.front() + " ... (" + std::to_string(c.targets.size()) + ")");
    std::vector<std::string> args = {"-b", all, "-n", "5"};
    args.insert(args.end(), c.targets.begin(), c.targets.end());
    run_result r = scan(args);
    if (c.allowed_without_flag) {
      EXPECT_EQ(r.exit_code, 0) << r.describe();
    } else {
      EXPECT_EQ(r.exit_code, 2) << r.describe();
      EXPECT_THAT(r.err, HasSubstr("more than a /8"));
      EXPECT_THAT(r.err, HasSubstr("--allow-large-scan"));
    }
    EXPECT_TRUE(ips(r).empty()) << r.out;
    args.insert(args.begin(), "--allow-large-scan");
    run_result allowed = scan(args);
    EXPECT_EQ(allowed.exit_code, 0) << allowed.describe();
    EXPECT_TRUE(ips(allowed).empty()) << allowed.out;
  }
}

// The same guard for lines from -i files, which stream: the block that
// would take the running total past a /8 is a rejected line naming file and
// line (the scan goes on with the rest), and with --allow-large-scan it is
// read like any other. Every address is blocklisted: blocks wholly inside
// the blocklist are counted, never walked, so nothing is sent.
TEST_F(InputHandling, FileLinesPastASlash8OfPublicSpaceAreRejected) {
  const std::string all = write("all-file.txt", "0.0.0.0/0\n::/0\n");
  const std::string path = write("large.txt",
                                 "11.0.0.0/9\n10.0.0.0/8\n12.0.0.0/9\n13.0.0.0/9\n"
                                 "14.0.0.0/24\n");
  run_result r = scan({"-b", all, "-i", path});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  // 11/9 and 12/9 make a /8 of public space (10/8 is private): 13/9 would
  // pass it, and so would 14.0.0.0/24 after it.
  EXPECT_THAT(r.err, HasSubstr(path + ":4: more public space than a /8 in all (16777216 public "
                               "addresses before this block, 8388608 in it): pass "
                               "--allow-large-scan"));
  EXPECT_THAT(r.err, HasSubstr(path + ":5: more public space than a /8"));
  EXPECT_THAT(r.err, HasSubstr("2 input lines rejected"));
  // What was read is counted (10/8 too: the test allows reserved space).
  EXPECT_THAT(r.err, HasSubstr("(blocklist " + std::to_string(2 * (1 << 23) + (1 << 24)) + ")"));
  run_result allowed = scan({"--allow-large-scan", "-b", all, "-i", path});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.describe();
  EXPECT_THAT(allowed.err, HasSubstr("0 input lines rejected"));
  EXPECT_THAT(allowed.err,
              HasSubstr("(blocklist " + std::to_string(3 * (1 << 23) + (1 << 24) + 256) + ")"));
}

TEST_F(InputHandling, MissingInputFileIsAUsageError) {
  const std::string path = dir_ + "/does-not-exist.txt";
  run_result r = scan({"-i", path, "198.18.0.1"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr(path));
}

TEST_F(InputHandling, ReadsStdin) {
  run_result dash = scan({"-i", "-"}, "198.18.0.1\n198.18.0.2\n");
  EXPECT_EQ(dash.exit_code, 0) << dash.describe();
  EXPECT_THAT(ips(dash), UnorderedElementsAre("198.18.0.1", "198.18.0.2"));
  // No TARGET and no -i: stdin too.
  run_result implicit = scan({}, "198.18.0.13\n");
  EXPECT_EQ(implicit.exit_code, 0) << implicit.describe();
  EXPECT_THAT(ips(implicit), UnorderedElementsAre("198.18.0.13"));
}

TEST_F(InputHandling, ExpandsCidrAndMixesSources) {
  const std::string path = write("more.txt", "198.18.0.1\n");
  run_result r = scan({"-i", path, "198.18.0.8/29", "2001:db8::25"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(ips(r), UnorderedElementsAre("198.18.0.1", "198.18.0.8", "198.18.0.9", "198.18.0.10",
                                           "198.18.0.11", "198.18.0.12", "198.18.0.13",
                                           "198.18.0.14", "198.18.0.15", "2001:db8::25"));
}

// Issue 16 item 7: a reverse name is scanned as the address it names (a host
// record with `ip`, no `input`, no domain summary), a partial one as its
// block, and a name under in-addr.arpa that names no address is a bad line.
TEST_F(InputHandling, ReverseNamesAreAddresses) {
  // 31 nibbles of 2001:db8::2x: the /124 from 2001:db8::20.
  std::string partial_v6 = "2.";
  for (int i = 0; i < 22; ++i) {
    partial_v6 += "0.";
  }
  partial_v6 += "8.b.d.0.1.0.0.2.ip6.arpa";
  const std::string path = write(
      "reverse.txt",
      "1.0.18.198.in-addr.arpa.\n"
      "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA\n"
      "mail.0.18.198.in-addr.arpa\n");
  run_result r = scan({"-i", path, "8.0.18.198.IN-ADDR.ARPA",
                       partial_v6});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.err, HasSubstr(path + ":3"));
  EXPECT_THAT(r.err, HasSubstr("not a usable reverse name"));
  std::multiset<std::string> seen;
  for (const auto& rec : parse_ndjson(r.out).records) {
    EXPECT_FALSE(rec.contains("domain")) << rec.dump();
    EXPECT_FALSE(rec.contains("input")) << rec.dump();
    seen.insert(rec.value("ip", std::string("?")));
  }
  std::multiset<std::string> want = {"198.18.0.1", "198.18.0.8", "2001:db8::25"};
  for (int i = 0; i < 16; ++i) {  // the /124 the 31-nibble name covers (::25 again)
    char ip[32];
    std::snprintf(ip, sizeof ip, "2001:db8::%x", 0x20 + i);
    want.insert(ip);
  }
  EXPECT_EQ(seen, want) << r.out;
}

TEST_F(InputHandling, ReservedRangesAreSkippedWithoutAllowReserved) {
  run_result r = scan({"198.18.0.1", "2001:db8::25"}, "", /*allow_reserved=*/false);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(ips(r).empty()) << r.out;
  EXPECT_FALSE(r.err.empty()) << "the skipped count belongs in the summary";
}

TEST_F(InputHandling, UnwritableOutputFails) {
  const std::string path = dir_ + "/no-such-dir/out.ndjson";
  run_result r = scan({"-o", path, "198.18.0.1"});
  EXPECT_NE(r.exit_code, 0) << r.describe();
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.err, HasSubstr(path));
}

TEST_F(InputHandling, WritesPlainFileWithO) {
  const std::string path = dir_ + "/out.ndjson";
  run_result r = scan({"-o", path, "198.18.0.1", "198.18.0.8"});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_TRUE(r.out.empty());
  std::ifstream f(path);
  std::ostringstream buf;
  buf << f.rdbuf();
  const std::string text = buf.str();
  EXPECT_EQ(parse_ndjson(text).records.size(), 2U) << text;
}

TEST_F(InputHandling, UnknownFlagIsAUsageError) {
  run_result r = scan({"--no-such-flag", "198.18.0.1"});
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_TRUE(r.out.empty());
}

}  // namespace
}  // namespace ptrscan::testnet
