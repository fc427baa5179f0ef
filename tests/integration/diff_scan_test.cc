// `ptrscan diff` end to end (issue 17 item 2): the real ptrscan scans three
// addresses through Knot + Unbound on loopback, the zones change (a PTR
// renamed, a PTR added, a forward record moved away), ptrscan scans again
// against a new testbed, and `ptrscan diff` of the two outputs must say
// exactly that; the output validates against schema/ptrscan-diff.schema.json.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "testnet/dns_testbed.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;

testbed_options zones(bool second_scan) {
  testbed_options o;
  std::string reverse = second_scan ? "1 PTR mail.diff.test.\n"
                                      "2 PTR host2.diff.test.\n"
                                      "3 PTR new3.diff.test.\n"
                                    : "1 PTR mx1.diff.test.\n"
                                      "2 PTR host2.diff.test.\n";
  std::string forward = second_scan ? "mail A 198.18.0.1\n"
                                      "host2 A 198.18.0.99\n"  // FCrDNS of .2 now fails
                                      "new3 A 198.18.0.3\n"
                                    : "mx1 A 198.18.0.1\n"
                                      "host2 A 198.18.0.2\n";
  o.zones = {{"0.18.198.in-addr.arpa", reverse}, {"diff.test", forward}};
  return o;
}

class DiffScan : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/ptrscan-diff-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // One scan of 198.18.0.1-3 against a testbed serving `zones(second)`.
  void scan(bool second, const std::string& out) {
    std::unique_ptr<dns_testbed> bed = dns_testbed::start(zones(second));
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed->resolver());
    argv.insert(argv.end(), {"--threads", "1", "--dns-timeout", "3000", "-o", out,
                             "198.18.0.1", "198.18.0.2", "198.18.0.3"});
    run_options o;
    o.deadline = std::chrono::seconds(60);
    const run_result r = run_process(argv, o);
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  std::string dir_;
};

TEST_F(DiffScan, ZoneChangeBetweenTwoScansIsTheDiff) {
  const std::string old_out = dir_ + "/old.ndjson";
  const std::string new_out = dir_ + "/new.ndjson.zst";
  ASSERT_NO_FATAL_FAILURE(scan(false, old_out));
  ASSERT_NO_FATAL_FAILURE(scan(true, new_out));

  const std::string changes = dir_ + "/changes.ndjson";
  run_options o;
  o.deadline = std::chrono::seconds(60);
  const run_result r = run_process(
      {PTRSCAN_BINARY, "diff", old_out, new_out, "-o", changes, "--tmp-dir", dir_}, o);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_NE(r.err.find("3 changed, 0 unchanged"), std::string::npos) << r.err;

  std::ifstream in(changes);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string text = bytes.str();
  const ndjson_lines lines = parse_ndjson(text);
  ASSERT_TRUE(lines.bad_lines.empty());
  ASSERT_EQ(lines.records.size(), 4u) << text;
  std::map<std::string, json> by_ip;
  for (size_t i = 0; i + 1 < lines.records.size(); ++i) {
    by_ip[lines.records[i].at("ip").get<std::string>()] = lines.records[i].at("changes");
  }
  EXPECT_EQ(by_ip["198.18.0.1"],
            json::parse(R"([{"kind":"ptr_changed","old":["mx1.diff.test"],"new":["mail.diff.test"]}])"))
      << text;
  EXPECT_EQ(by_ip["198.18.0.2"],
            json::parse(R"([{"kind":"fcrdns_failed","old":"pass","new":"fail"}])"))
      << text;
  ASSERT_EQ(by_ip["198.18.0.3"].size(), 1u) << text;
  EXPECT_EQ(by_ip["198.18.0.3"][0]["kind"], "ptr_added");
  EXPECT_EQ(by_ip["198.18.0.3"][0]["new"], json::parse(R"(["new3.diff.test"])"));

  const json& summary = lines.records.back();
  EXPECT_EQ(summary["type"], "diff_summary");
  EXPECT_EQ(summary["changes"]["ptr_changed"], 1);
  EXPECT_EQ(summary["changes"]["ptr_added"], 1);
  EXPECT_EQ(summary["changes"]["fcrdns_failed"], 1);
  EXPECT_EQ(summary["old"]["records"], 3);
  EXPECT_EQ(summary["new"]["records"], 3);

  // The schema, when python3-jsonschema is there (exit 77 otherwise).
  const run_result v = run_process({"python3",
                                    std::string(PTRSCAN_SOURCE_DIR) + "/tests/schema/validate_output.py",
                                    std::string(PTRSCAN_SOURCE_DIR) + "/schema", "--diff", changes});
  if (v.exit_code != 77) {
    EXPECT_EQ(v.exit_code, 0) << v.out << v.describe();
  }
  // Nothing of the spilled runs is left in --tmp-dir.
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind("ptrscan-diff.", 0), std::string::npos)
        << e.path();
  }
}

}  // namespace
}  // namespace ptrscan::testnet
